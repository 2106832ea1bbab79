// Typed reads of OTLP/JSON fields (the proto3 JSON mapping with OTLP's deviations). Each reader takes
// the raw JSON value, treats undefined and null as the field's default (as proto3 JSON does) and throws
// FieldError when the value has the wrong type; the decoder decides whether that refuses one item or,
// outside any item, the whole request.
import type { Attribute, AttributeValue } from '../../model/model.js';

export class FieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldError';
  }
}

export type JsonObject = Record<string, unknown>;

/** AnyValue nests through arrays and maps; deeper than this is hostile, not telemetry. */
const MAX_VALUE_DEPTH = 100;
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UNSIGNED_DIGITS = /^\d+$/;
const SIGNED_DIGITS = /^-?\d+$/;
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Standard or URL-safe alphabet, padded or not: protobuf JSON parsers accept both. */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * A field by its lowerCamelCase JSON name, falling back to the original snake_case name that protobuf
 * JSON parsers also accept (OTLP says senders must use camelCase; we are lenient in what we accept).
 */
export function get(object: JsonObject, camelName: string, snakeName?: string): unknown {
  const value = object[camelName];
  return value === undefined && snakeName !== undefined ? object[snakeName] : value;
}

function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

/** A JSON object, or undefined when absent. */
export function optionalObject(value: unknown, name: string): JsonObject | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new FieldError(`"${name}" must be an object`);
  return value as JsonObject;
}

export function requireObject(value: unknown, name: string): JsonObject {
  const object = optionalObject(value, name);
  if (object === undefined) throw new FieldError(`"${name}" must be an object`);
  return object;
}

/** A repeated field: [] when absent. */
export function arrayOf(value: unknown, name: string): unknown[] {
  if (isAbsent(value)) return [];
  if (!Array.isArray(value)) throw new FieldError(`"${name}" must be an array`);
  return value;
}

export function stringOf(value: unknown, name: string): string {
  if (isAbsent(value)) return '';
  if (typeof value !== 'string') throw new FieldError(`"${name}" must be a string`);
  return value;
}

export function boolOf(value: unknown, name: string): boolean {
  if (isAbsent(value)) return false;
  if (typeof value !== 'boolean') throw new FieldError(`"${name}" must be true or false`);
  return value;
}

/** uint32 (and fixed32): a number, or a decimal string as proto3 JSON also allows. */
export function uint32Of(value: unknown, name: string): number {
  if (isAbsent(value)) return 0;
  const number = typeof value === 'string' && UNSIGNED_DIGITS.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 0xffffffff) {
    throw new FieldError(`"${name}" must be an unsigned 32-bit integer`);
  }
  return number;
}

/** int32 and sint32. */
export function int32Of(value: unknown, name: string): number {
  if (isAbsent(value)) return 0;
  const number = typeof value === 'string' && SIGNED_DIGITS.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < -0x80000000 || number > 0x7fffffff) {
    throw new FieldError(`"${name}" must be a 32-bit integer`);
  }
  return number;
}

/** fixed64/uint64 (timestamps): a decimal string or a number (numbers above 2^53 arrive already rounded). */
export function uint64Of(value: unknown, name: string): bigint {
  if (isAbsent(value)) return 0n;
  let result: bigint | undefined;
  if (typeof value === 'string' && UNSIGNED_DIGITS.test(value)) result = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) result = BigInt(value);
  if (result === undefined || result > UINT64_MAX) throw new FieldError(`"${name}" must be an unsigned 64-bit integer`);
  return result;
}

/** uint64/fixed64 counts as a number (exact up to 2^53, which counts never reach). */
export function countOf(value: unknown, name: string): number {
  return Number(uint64Of(value, name));
}

/** int64: a number when it is a safe integer, else its decimal string (the model's rule). */
export function int64Of(value: unknown, name: string): number | string {
  if (isAbsent(value)) return 0;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  let result: bigint | undefined;
  if (typeof value === 'string' && SIGNED_DIGITS.test(value)) result = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value)) result = BigInt(value);
  if (result === undefined || result < INT64_MIN || result > INT64_MAX) {
    throw new FieldError(`"${name}" must be a signed 64-bit integer`);
  }
  const number = Number(result);
  return Number.isSafeInteger(number) ? number : result.toString();
}

/** double: a number, or a string as proto3 JSON writes NaN and infinities (and may write any number). */
export function doubleOf(value: unknown, name: string): number {
  if (isAbsent(value)) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    if (DECIMAL.test(value)) return Number(value);
  }
  throw new FieldError(`"${name}" must be a number`);
}

/** An optional double (`optional double` in the proto): null when absent. */
export function optionalDoubleOf(value: unknown, name: string): number | null {
  return isAbsent(value) ? null : doubleOf(value, name);
}

/**
 * An enum: its integer value (what OTLP says to send) or its name (what proto3 JSON also allows).
 * Range checks are left to the item rules, which apply to protobuf input too.
 */
export function enumOf(value: unknown, names: ReadonlyMap<string, number>, name: string): number {
  if (isAbsent(value)) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  const byName = typeof value === 'string' ? names.get(value) : undefined;
  if (byName === undefined) throw new FieldError(`"${name}" must be an enum number or name`);
  return byName;
}

/** A trace or span id: OTLP/JSON sends hex (any case), not base64. Validity is checked by the item rules. */
export function hexIdOf(value: unknown, name: string): string {
  return stringOf(value, name).toLowerCase();
}

/** bytes: base64 in, the model's canonical (standard, padded) base64 out. */
function base64Of(value: unknown, name: string): string {
  const text = stringOf(value, name);
  if (!BASE64.test(text)) throw new FieldError(`"${name}" must be base64`);
  return Buffer.from(text, 'base64').toString('base64');
}

/** repeated KeyValue; entries whose value is empty are left out, as in the protobuf decoder. */
export function attributesOf(value: unknown, name: string, depth = 0): Attribute[] {
  const attributes: Attribute[] = [];
  for (const entry of arrayOf(value, name)) {
    const keyValue = requireObject(entry, name);
    const attributeValue = anyValueOf(keyValue.value, depth);
    if (attributeValue !== null) attributes.push({ key: stringOf(keyValue.key, 'key'), value: attributeValue });
  }
  return attributes;
}

/** AnyValue; null when it holds no value (OTLP's "empty" value). */
export function anyValueOf(value: unknown, depth = 0): AttributeValue | null {
  const object = optionalObject(value, 'value');
  if (object === undefined) return null;
  if (depth >= MAX_VALUE_DEPTH) throw new FieldError(`attribute values nested deeper than ${MAX_VALUE_DEPTH}`);
  let field: unknown;
  if (!isAbsent((field = get(object, 'stringValue', 'string_value')))) {
    return { type: 'string', value: stringOf(field, 'stringValue') };
  }
  if (!isAbsent((field = get(object, 'boolValue', 'bool_value')))) return { type: 'bool', value: boolOf(field, 'boolValue') };
  if (!isAbsent((field = get(object, 'intValue', 'int_value')))) return { type: 'int', value: int64Of(field, 'intValue') };
  if (!isAbsent((field = get(object, 'doubleValue', 'double_value')))) {
    return { type: 'double', value: doubleOf(field, 'doubleValue') };
  }
  if (!isAbsent((field = get(object, 'arrayValue', 'array_value')))) {
    return { type: 'array', value: arrayValuesOf(field, depth + 1) };
  }
  if (!isAbsent((field = get(object, 'kvlistValue', 'kvlist_value')))) {
    const list = requireObject(field, 'kvlistValue');
    return { type: 'map', value: attributesOf(list.values, 'kvlistValue.values', depth + 1) };
  }
  if (!isAbsent((field = get(object, 'bytesValue', 'bytes_value')))) {
    return { type: 'bytes', value: base64Of(field, 'bytesValue') };
  }
  return null;
}

function arrayValuesOf(value: unknown, depth: number): AttributeValue[] {
  const values: AttributeValue[] = [];
  for (const element of arrayOf(requireObject(value, 'arrayValue').values, 'arrayValue.values')) {
    const elementValue = anyValueOf(element, depth);
    if (elementValue !== null) values.push(elementValue);
  }
  return values;
}
