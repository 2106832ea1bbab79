// Tags with a conventional meaning that Zipkin and Jaeger spans carry because their formats have no field
// for it: OpenTelemetry exporters write status, scope, span kind and resource attributes as plain tags, and
// OpenTracing-era clients write `error` and `span.kind`. Both the Zipkin and the Jaeger decoder lift these
// back into the model's fields, the way the OTel Collector's zipkin and jaeger translators do.
import type { Attribute, AttributeValue, InstrumentationScope } from '../../model/model.js';
import { SpanKind, StatusCode } from '../../model/model.js';
import { attributeValueToString } from '../../model/attributes.js';

/**
 * Prefixes of semantic-convention resource attributes. The OTel JS Zipkin and Jaeger exporters copy every
 * resource attribute into each span's tags; we move them back onto the resource.
 */
const RESOURCE_KEY_PREFIXES = [
  'service.',
  'telemetry.',
  'host.',
  'os.',
  'process.',
  'container.',
  'k8s.',
  'cloud.',
  'deployment.',
  'device.',
  'webengine.',
];

const SCOPE_NAME_KEYS = new Set(['otel.scope.name', 'otel.library.name']);
const SCOPE_VERSION_KEYS = new Set(['otel.scope.version', 'otel.library.version']);

const STATUS_CODE_KEY = 'otel.status_code';
const STATUS_DESCRIPTION_KEY = 'otel.status_description';
const ERROR_KEY = 'error';
const SPAN_KIND_KEY = 'span.kind';
const TRACE_STATE_KEY = 'w3c.tracestate';
const DROPPED_ATTRIBUTES_KEY = 'otel.dropped_attributes_count';
const DROPPED_EVENTS_KEY = 'otel.dropped_events_count';
const DROPPED_LINKS_KEY = 'otel.dropped_links_count';

const SPAN_KIND_BY_TAG = new Map<string, SpanKind>([
  ['client', SpanKind.CLIENT],
  ['server', SpanKind.SERVER],
  ['producer', SpanKind.PRODUCER],
  ['consumer', SpanKind.CONSUMER],
  ['internal', SpanKind.INTERNAL],
]);

function isResourceAttributeKey(key: string): boolean {
  return RESOURCE_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/** What the conventional tags of one span said, and the tags that remain ordinary span attributes. */
export interface ConventionTags {
  spanAttributes: Attribute[];
  resourceAttributes: Attribute[];
  scope: InstrumentationScope;
  /** From a recognised `span.kind` tag; undefined when absent or unrecognised (the tag then stays). */
  kindFromTag: SpanKind | undefined;
  status: { code: StatusCode; message: string };
  traceState: string;
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
}

/** Splits a span's tags into model fields and the remaining span attributes. Never throws. */
export function splitConventionTags(tags: readonly Attribute[]): ConventionTags {
  const result: ConventionTags = {
    spanAttributes: [],
    resourceAttributes: [],
    scope: { name: '', version: '', attributes: [] },
    kindFromTag: undefined,
    status: { code: StatusCode.UNSET, message: '' },
    traceState: '',
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
  const statusTags: StatusTags = {};
  for (const tag of tags) {
    if (!takeConventionTag(tag, result, statusTags)) result.spanAttributes.push(tag);
  }
  applyStatus(statusTags, result);
  return result;
}

interface StatusTags {
  code?: Attribute;
  description?: Attribute;
  error?: Attribute;
}

/** Records a conventional tag in `result`; false when the tag is an ordinary span attribute. */
function takeConventionTag(tag: Attribute, result: ConventionTags, statusTags: StatusTags): boolean {
  const { key, value } = tag;
  const text = attributeValueToString(value);
  if (isResourceAttributeKey(key)) {
    result.resourceAttributes.push(tag);
  } else if (SCOPE_NAME_KEYS.has(key)) {
    result.scope.name = text;
  } else if (SCOPE_VERSION_KEYS.has(key)) {
    result.scope.version = text;
  } else if (key === SPAN_KIND_KEY && SPAN_KIND_BY_TAG.has(text.toLowerCase())) {
    result.kindFromTag = SPAN_KIND_BY_TAG.get(text.toLowerCase());
  } else if (key === TRACE_STATE_KEY) {
    result.traceState = text;
  } else if (key === DROPPED_ATTRIBUTES_KEY && isCount(value)) {
    result.droppedAttributesCount = Number(text);
  } else if (key === DROPPED_EVENTS_KEY && isCount(value)) {
    result.droppedEventsCount = Number(text);
  } else if (key === DROPPED_LINKS_KEY && isCount(value)) {
    result.droppedLinksCount = Number(text);
  } else if (key === STATUS_CODE_KEY) {
    statusTags.code = tag;
  } else if (key === STATUS_DESCRIPTION_KEY) {
    statusTags.description = tag;
  } else if (key === ERROR_KEY && !isFalse(value)) {
    statusTags.error = tag;
  } else {
    return false;
  }
  return true;
}

/**
 * Status from `error`, `otel.status_code` and `otel.status_description`. Like the OTel Collector's Jaeger
 * translator, an `error` tag is the final word on failure. Unlike its Zipkin translator we honour any
 * `error` value, because Zipkin's convention is that the tag's value is the error message (the OTel JS
 * exporter writes the status message there); "true" carries no message. The tags are consumed, since the
 * status now says what they said; a description without a code stays an ordinary attribute.
 */
function applyStatus(statusTags: StatusTags, result: ConventionTags): void {
  const description = statusTags.description ? attributeValueToString(statusTags.description.value) : undefined;
  const code = statusTags.code ? parseStatusCode(attributeValueToString(statusTags.code.value)) : undefined;
  if (statusTags.error) {
    const errorText = attributeValueToString(statusTags.error.value);
    const errorMessage = errorText === 'true' ? '' : errorText;
    result.status = { code: StatusCode.ERROR, message: description ?? errorMessage };
  } else if (code !== undefined) {
    result.status = { code, message: description ?? '' };
  } else if (statusTags.description) {
    result.spanAttributes.push(statusTags.description);
  }
  if (statusTags.code && code === undefined) result.spanAttributes.push(statusTags.code);
}

/** OTel JS writes "OK"/"ERROR"; older collectors wrote "STATUS_CODE_OK" and the like. */
function parseStatusCode(text: string): StatusCode | undefined {
  switch (text.toUpperCase().replace(/^STATUS_CODE_/, '')) {
    case 'UNSET':
      return StatusCode.UNSET;
    case 'OK':
      return StatusCode.OK;
    case 'ERROR':
      return StatusCode.ERROR;
    default:
      return undefined;
  }
}

function isFalse(value: AttributeValue): boolean {
  return (value.type === 'bool' && !value.value) || (value.type === 'string' && value.value === 'false');
}

function isCount(value: AttributeValue): boolean {
  const text = attributeValueToString(value);
  return /^\d{1,9}$/.test(text);
}

/** An int64 as the model holds it: a number when exactly representable, else its decimal text. */
export function int64Value(value: bigint): AttributeValue {
  const safe = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
  return { type: 'int', value: safe ? Number(value) : value.toString() };
}

/**
 * Adds `extra` resource attributes whose keys are not yet present: fields the format carries explicitly
 * (Zipkin's localEndpoint, Jaeger's process) win over the copies exporters put in span tags.
 */
export function mergeResourceAttributes(base: Attribute[], extra: readonly Attribute[]): Attribute[] {
  const keys = new Set(base.map((attribute) => attribute.key));
  const merged = [...base];
  for (const attribute of extra) {
    if (keys.has(attribute.key)) continue;
    keys.add(attribute.key);
    merged.push(attribute);
  }
  return merged;
}
