import type { Attribute, AttributeValue, Resource } from './model.js';

export const UNKNOWN_SERVICE = 'unknown_service';

const HEX_32 = /^[0-9a-f]{32}$/;
const HEX_16 = /^[0-9a-f]{16}$/;
const ALL_ZERO = /^0+$/;

/** A valid trace id: 32 lower-case hex characters, not all zero (OTLP and W3C both forbid that). */
export function isValidTraceId(id: string): boolean {
  return HEX_32.test(id) && !ALL_ZERO.test(id);
}

/** A valid span id: 16 lower-case hex characters, not all zero. */
export function isValidSpanId(id: string): boolean {
  return HEX_16.test(id) && !ALL_ZERO.test(id);
}

export function stringValue(value: string): AttributeValue {
  return { type: 'string', value };
}

export function findAttribute(attributes: readonly Attribute[], key: string): AttributeValue | undefined {
  for (const attribute of attributes) if (attribute.key === key) return attribute.value;
  return undefined;
}

/** The value as text: strings as they are, scalars printed, arrays and maps as JSON. */
export function attributeValueToString(value: AttributeValue): string {
  switch (value.type) {
    case 'string':
    case 'bytes':
      return value.value;
    case 'bool':
    case 'int':
    case 'double':
      return String(value.value);
    case 'array':
    case 'map':
      return JSON.stringify(attributeValueToJson(value));
  }
}

/** The value as plain JSON (maps become objects), for display and for Jaeger's string tags. */
export function attributeValueToJson(value: AttributeValue): unknown {
  switch (value.type) {
    case 'array':
      return value.value.map(attributeValueToJson);
    case 'map': {
      const object: Record<string, unknown> = {};
      for (const entry of value.value) object[entry.key] = attributeValueToJson(entry.value);
      return object;
    }
    default:
      return value.value;
  }
}

export function findStringAttribute(attributes: readonly Attribute[], key: string): string | undefined {
  const value = findAttribute(attributes, key);
  return value === undefined ? undefined : attributeValueToString(value);
}

/** `service.name` of a resource, or 'unknown_service' as the OpenTelemetry SDKs default it. */
export function serviceNameOf(resource: Resource): string {
  const name = findStringAttribute(resource.attributes, 'service.name');
  return name === undefined || name === '' ? UNKNOWN_SERVICE : name;
}
