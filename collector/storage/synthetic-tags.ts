// Tags Jaeger shows on every span although OTLP keeps them in span fields, not attributes: `span.kind`,
// `otel.status_code`, `error` and `otel.status_description`. Jaeger UI users search by them, so every
// store matches them too (the query layer's to-jaeger-json.ts renders the same set).
import { SpanKind, StatusCode, type Span } from '../model/model.js';

export const SPAN_KIND_TAG_KEY = 'span.kind';

const SPAN_KIND_TAG_VALUES: ReadonlyMap<SpanKind, string> = new Map([
  [SpanKind.INTERNAL, 'internal'],
  [SpanKind.SERVER, 'server'],
  [SpanKind.CLIENT, 'client'],
  [SpanKind.PRODUCER, 'producer'],
  [SpanKind.CONSUMER, 'consumer'],
]);

/** The kind a `span.kind` tag value names, or undefined when it names none (UNSPECIFIED has no tag). */
export function spanKindOfTagValue(value: string): SpanKind | undefined {
  for (const [kind, text] of SPAN_KIND_TAG_VALUES) if (text === value) return kind;
  return undefined;
}

/** The status-derived tags of a span as (key, value-as-text) pairs; none for an UNSET status without message. */
export function statusTags(status: Span['status']): [string, string][] {
  const tags: [string, string][] = [];
  if (status.code === StatusCode.OK) tags.push(['otel.status_code', 'OK']);
  if (status.code === StatusCode.ERROR) tags.push(['otel.status_code', 'ERROR'], ['error', 'true']);
  if (status.message !== '') tags.push(['otel.status_description', status.message]);
  return tags;
}

/** True when the span's kind or status yields the tag (key, value) the way Jaeger shows it. */
export function hasSyntheticTag(kind: SpanKind, status: Span['status'], key: string, value: string): boolean {
  if (key === SPAN_KIND_TAG_KEY) return SPAN_KIND_TAG_VALUES.get(kind) === value;
  return statusTags(status).some(([tagKey, tagValue]) => tagKey === key && tagValue === value);
}
