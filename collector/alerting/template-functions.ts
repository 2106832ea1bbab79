// The functions alert templates can call: Go's text/template built-ins and Prometheus' own
// (template/template.go), with the Go parameter types the executor checks.

import { goQuote, goTimeString } from './go-compat.js';
import { formatGoFloat, formatValue, goSprint, goSprintf } from './go-format.js';
import { parsePrometheusDurationMs } from '../model/prometheus-duration.js';
import { AlertData, FunctionError, goTypeName, LabelMap, truth, type Value } from './template-values.js';

// ---------------------------------------------------------------------------------------------------
// Prometheus' template functions.

function toFloat(value: Value): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return parseGoFloat(value);
  throw new FunctionError(`can't convert ${goTypeName(value)} to float`);
}

/** Go's strconv.ParseFloat(s, 64), which Prometheus uses to turn label values into numbers. */
function parseGoFloat(text: string): number {
  const plain = text.replace(/_/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(plain)) return plain.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(plain)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(plain)) return Number(plain);
  if (/^[+-]?0x[0-9a-f]+$/i.test(plain)) return Number(plain.replace(/^([+-]?)0x/i, '$10x'));
  throw new FunctionError(`strconv.ParseFloat: parsing ${goQuote(text)}: invalid syntax`);
}

const SI_LARGE = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SI_SMALL = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

function g4(x: number): string {
  return formatGoFloat(x, 'g', 4);
}

function scaleDown(value: number, base: number, prefixes: string[]): [number, string] {
  let v = value;
  let prefix = '';
  for (const p of prefixes) {
    if (Math.abs(v) < base) break;
    prefix = p;
    v /= base;
  }
  return [v, prefix];
}

function scaleUp(value: number): [number, string] {
  let v = value;
  let prefix = '';
  for (const p of SI_SMALL) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return [v, prefix];
}

function humanize(value: Value): string {
  const v = toFloat(value);
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  const [scaled, prefix] = Math.abs(v) >= 1 ? scaleDown(v, 1000, SI_LARGE) : scaleUp(v);
  return g4(scaled) + prefix;
}

function humanize1024(value: Value): string {
  const v = toFloat(value);
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  const [scaled, prefix] = scaleDown(v, 1024, ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']);
  return g4(scaled) + prefix;
}

function humanizeDuration(value: Value): string {
  const v = toFloat(value);
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return `${g4(v)}s`;
  if (Math.abs(v) < 1) {
    const [scaled, prefix] = scaleUp(v);
    return `${g4(scaled)}${prefix}s`;
  }
  const sign = v < 0 ? '-' : '';
  const total = Math.trunc(Math.abs(v));
  const seconds = total % 60;
  const minutes = Math.trunc(total / 60) % 60;
  const hours = Math.trunc(total / 3600) % 24;
  const days = Math.trunc(total / 86400);
  if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
  if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
  if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
  return `${sign}${g4(Math.abs(v))}s`;
}

function humanizePercentage(value: Value): string {
  return `${g4(toFloat(value) * 100)}%`;
}

const MAX_INT64 = 9223372036854775807;

/** Go's time.Time.String() of the UTC time, at Prometheus' millisecond precision. */
function humanizeTimestamp(value: Value): string {
  const v = toFloat(value);
  if (!Number.isFinite(v)) return g4(v);
  const nanos = v * 1e9;
  if (nanos > MAX_INT64 || nanos < -MAX_INT64) {
    throw new FunctionError(`${formatValue(v)} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  return goTimeString(Number(BigInt(Math.trunc(nanos)) / 1_000_000n));
}

/** Go's strings.Title: upper-cases the first letter of each word. */
function title(text: string): string {
  let out = '';
  let previous = ' ';
  for (const char of text) {
    out += isTitleSeparator(previous) ? char.toUpperCase() : char;
    previous = char;
  }
  return out;
}

function isTitleSeparator(char: string): boolean {
  if (char.charCodeAt(0) < 0x80) return !/[A-Za-z0-9_]/.test(char);
  if (/[\p{L}\p{N}]/u.test(char)) return false;
  return /\s/u.test(char);
}

/** Go regexps are RE2; JavaScript's agree on the syntax rule annotations use, once RE2's (?P<name>) is renamed. */
function compileRegexp(pattern: string): RegExp {
  try {
    return new RegExp(pattern.replace(/\(\?P</g, '(?<'), 'gu');
  } catch (error) {
    throw new FunctionError(`error parsing regexp: ${(error as Error).message}`);
  }
}

function reReplaceAll(pattern: Value, replacement: Value, text: Value): string {
  // Go expands $1 and ${1} (and ${name}); JavaScript needs $<name> for names.
  const jsReplacement = (replacement as string).replace(/\$\{(\d+)\}/g, '$$$1').replace(/\$\{(\w+)\}/g, '$$<$1>');
  return (text as string).replace(compileRegexp(pattern as string), jsReplacement);
}

function match(pattern: Value, text: Value): boolean {
  const re = compileRegexp(pattern as string);
  return re.test(text as string);
}

function stripPort(hostPort: Value): string {
  const text = hostPort as string;
  const bracketed = /^\[([^\]]*)\]:\d*$/.exec(text);
  if (bracketed) return bracketed[1]!;
  const colon = text.lastIndexOf(':');
  if (colon < 0 || text.indexOf(':') !== colon) return text;
  return text.slice(0, colon);
}

function parseDurationSeconds(text: Value): number {
  const ms = parsePrometheusDurationMs(text as string);
  if (ms === undefined) throw new FunctionError(`not a valid duration string: ${goQuote(text as string)}`);
  return ms / 1000;
}

function graphLink(expr: Value): string {
  return `/graph?g0.expr=${goQueryEscape(expr as string)}&g0.tab=0`;
}

function tableLink(expr: Value): string {
  return `/graph?g0.expr=${goQueryEscape(expr as string)}&g0.tab=1`;
}

/** Go's url.QueryEscape. */
function goQueryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function htmlEscape(text: string): string {
  const entities: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD' };
  return text.replace(/[<>&'"\0]/g, (c) => entities[c]!);
}

// ---------------------------------------------------------------------------------------------------
// Go's built-in template functions that rule templates use.

type BasicKind = 'bool' | 'int' | 'float' | 'string';

function basicKind(value: Value): BasicKind {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'float';
  if (typeof value === 'string') return 'string';
  throw new FunctionError('invalid type for comparison');
}

function eq(first: Value, ...others: Value[]): boolean {
  const kind = basicKind(first);
  for (const other of others) {
    if (basicKind(other) !== kind) throw new FunctionError('incompatible types for comparison');
    if (first === other) return true;
  }
  return false;
}

function lt(a: Value, b: Value): boolean {
  const kind = basicKind(a);
  if (basicKind(b) !== kind) throw new FunctionError('incompatible types for comparison');
  if (kind === 'bool') throw new FunctionError('invalid type for comparison');
  return (a as number) < (b as number);
}

function index(item: Value, ...keys: Value[]): Value {
  let current = item;
  for (const key of keys) {
    if (!(current instanceof LabelMap)) throw new FunctionError(`can't index item of type ${goTypeName(current)}`);
    if (typeof key !== 'string') throw new FunctionError(`value has type ${goTypeName(key)}; should be string`);
    current = current.labels[key] ?? '';
  }
  return current;
}

function len(item: Value): bigint {
  if (typeof item === 'string') return BigInt(Buffer.byteLength(item, 'utf8'));
  if (item instanceof LabelMap) return BigInt(Object.keys(item.labels).length);
  throw new FunctionError(`len of type ${goTypeName(item)}`);
}

// ---------------------------------------------------------------------------------------------------
// The function table. `params` gives Go parameter types ('string' checks the argument's type); a
// trailing `variadic` type repeats. Unsupported Prometheus functions still parse (so a rule file that
// Prometheus accepts is accepted) but fail at expansion.

export type ParamType = 'string' | 'any';

export interface TemplateFunction {
  params: ParamType[];
  variadic?: ParamType;
  call?: (args: Value[], data: AlertData) => Value;
}

export const FUNCTIONS: Record<string, TemplateFunction> = {
  // Go built-ins (and, or are handled lazily by the executor).
  and: { params: ['any'], variadic: 'any' },
  or: { params: ['any'], variadic: 'any' },
  not: { params: ['any'], call: ([a]) => !truth(a!) },
  eq: { params: ['any'], variadic: 'any', call: ([a, ...rest]) => eq(a!, ...rest) },
  ne: { params: ['any', 'any'], call: ([a, b]) => !eq(a!, b!) },
  lt: { params: ['any', 'any'], call: ([a, b]) => lt(a!, b!) },
  le: { params: ['any', 'any'], call: ([a, b]) => lt(a!, b!) || eq(a!, b!) },
  gt: { params: ['any', 'any'], call: ([a, b]) => !(lt(a!, b!) || eq(a!, b!)) },
  ge: { params: ['any', 'any'], call: ([a, b]) => !lt(a!, b!) },
  index: { params: ['any'], variadic: 'any', call: ([item, ...keys]) => index(item!, ...keys) },
  len: { params: ['any'], call: ([a]) => len(a!) },
  print: { params: [], variadic: 'any', call: (args) => goSprint(args) },
  println: { params: [], variadic: 'any', call: (args) => `${args.map(formatValue).join(' ')}\n` },
  printf: { params: ['string'], variadic: 'any', call: ([format, ...args]) => goSprintf(format as string, args) },
  html: { params: [], variadic: 'any', call: (args) => htmlEscape(goSprint(args)) },
  urlquery: { params: [], variadic: 'any', call: (args) => goQueryEscape(goSprint(args)) },
  js: { params: [], variadic: 'any' },
  call: { params: ['any'], variadic: 'any' },
  slice: { params: ['any'], variadic: 'any' },
  // Prometheus.
  humanize: { params: ['any'], call: ([v]) => humanize(v!) },
  humanize1024: { params: ['any'], call: ([v]) => humanize1024(v!) },
  humanizeDuration: { params: ['any'], call: ([v]) => humanizeDuration(v!) },
  humanizePercentage: { params: ['any'], call: ([v]) => humanizePercentage(v!) },
  humanizeTimestamp: { params: ['any'], call: ([v]) => humanizeTimestamp(v!) },
  toUpper: { params: ['string'], call: ([s]) => (s as string).toUpperCase() },
  toLower: { params: ['string'], call: ([s]) => (s as string).toLowerCase() },
  title: { params: ['string'], call: ([s]) => title(s as string) },
  reReplaceAll: { params: ['string', 'string', 'string'], call: ([p, r, t]) => reReplaceAll(p!, r!, t!) },
  match: { params: ['string', 'string'], call: ([p, t]) => match(p!, t!) },
  // Annotations are plain text here, as in Prometheus' text-mode expansion: safeHtml only marks.
  safeHtml: { params: ['string'], call: ([s]) => s! },
  stripPort: { params: ['string'], call: ([s]) => stripPort(s!) },
  parseDuration: { params: ['string'], call: ([s]) => parseDurationSeconds(s!) },
  graphLink: { params: ['string'], call: ([e]) => graphLink(e!) },
  tableLink: { params: ['string'], call: ([e]) => tableLink(e!) },
  externalURL: { params: [], call: (_, data) => data.data.externalURL },
  pathPrefix: { params: [], call: (_, data) => pathOf(data.data.externalURL) },
  // Prometheus functions that need its query engine or newer types: they parse, but do not expand.
  query: { params: ['string'] },
  first: { params: ['any'] },
  label: { params: ['string', 'any'] },
  value: { params: ['any'] },
  strvalue: { params: ['any'] },
  sortByLabel: { params: ['string', 'any'] },
  args: { params: [], variadic: 'any' },
  toTime: { params: ['any'] },
  toDuration: { params: ['any'] },
  now: { params: [] },
  stripDomain: { params: ['string'] },
};

function pathOf(url: string): string {
  try {
    return new URL(url).pathname.replace(/^\/$/, '');
  } catch {
    return '';
  }
}
