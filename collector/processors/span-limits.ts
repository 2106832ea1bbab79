// Caps what one span may carry, so a misbehaving client cannot bloat the store or the UI: attributes
// beyond the count limit are dropped (and counted in droppedAttributesCount, as the SDKs do), string
// values beyond the length limit are truncated. Events and links get the same treatment.
import type { Attribute, AttributeValue, Span } from '../model/model.js';

export interface SpanLimits {
  maxAttributesPerSpan: number;
  maxAttributeValueLength: number;
  maxEventsPerSpan: number;
  maxLinksPerSpan: number;
}

export const DEFAULT_SPAN_LIMITS: SpanLimits = {
  maxAttributesPerSpan: 128,
  maxAttributeValueLength: 16_384,
  maxEventsPerSpan: 128,
  maxLinksPerSpan: 128,
};

/** Applies the limits in place; returns how many spans had to be trimmed. */
export function enforceSpanLimits(spans: Span[], limits: SpanLimits): number {
  let trimmed = 0;
  for (const span of spans) {
    let changed = false;
    if (span.attributes.length > limits.maxAttributesPerSpan) {
      span.droppedAttributesCount += span.attributes.length - limits.maxAttributesPerSpan;
      span.attributes.length = limits.maxAttributesPerSpan;
      changed = true;
    }
    changed = truncateValues(span.attributes, limits.maxAttributeValueLength) || changed;
    if (span.events.length > limits.maxEventsPerSpan) {
      span.droppedEventsCount += span.events.length - limits.maxEventsPerSpan;
      span.events.length = limits.maxEventsPerSpan;
      changed = true;
    }
    for (const event of span.events) changed = truncateValues(event.attributes, limits.maxAttributeValueLength) || changed;
    if (span.links.length > limits.maxLinksPerSpan) {
      span.droppedLinksCount += span.links.length - limits.maxLinksPerSpan;
      span.links.length = limits.maxLinksPerSpan;
      changed = true;
    }
    if (changed) trimmed++;
  }
  return trimmed;
}

function truncateValues(attributes: Attribute[], maxLength: number): boolean {
  let changed = false;
  for (const attribute of attributes) {
    const truncated = truncateValue(attribute.value, maxLength);
    if (truncated !== attribute.value) {
      attribute.value = truncated;
      changed = true;
    }
  }
  return changed;
}

/** The value itself when within the limit (so callers can compare identity), else a truncated copy. */
function truncateValue(value: AttributeValue, maxLength: number): AttributeValue {
  switch (value.type) {
    case 'string':
    case 'bytes':
      return value.value.length > maxLength ? { type: value.type, value: value.value.slice(0, maxLength) } : value;
    case 'array': {
      const items = value.value.map((item) => truncateValue(item, maxLength));
      return items.some((item, index) => item !== value.value[index]) ? { type: 'array', value: items } : value;
    }
    case 'map':
      return truncateValues(value.value, maxLength) ? { type: 'map', value: value.value } : value;
    default:
      return value;
  }
}
