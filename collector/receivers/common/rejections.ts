// Counts the items a decoder refuses and why, in one format for every receiver: an exact count and a
// short message naming the first few reasons (the full list could be as long as the request). One bad
// item is refused while the rest of the request is accepted (OTLP's partial_success model).
import type { DecodedTraces, Span } from '../../model/model.js';

const MAX_REASONS_IN_MESSAGE = 5;

export class Rejections {
  count = 0;
  /** Reason -> items rejected for it, in first-seen order. */
  private readonly reasons = new Map<string, number>();

  /** @param itemNoun plural noun for the message: 'spans', 'log records', 'data points'. */
  constructor(private readonly itemNoun: string) {}

  /**
   * Records `items` rejected items for a reason. Zero items is allowed: something was dropped that
   * carried no items (a metric without data), which OTLP reports as a warning with rejected = 0.
   */
  add(reason: string, items = 1): void {
    this.count += items;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + items);
  }

  /** '' when nothing was rejected, else e.g. "rejected 2 of 10 spans: invalid trace id (2)". */
  message(acceptedItems: number): string {
    if (this.reasons.size === 0) return '';
    const listed = [...this.reasons].slice(0, MAX_REASONS_IN_MESSAGE).map(([reason, items]) => `${reason} (${items})`);
    const unlisted = this.reasons.size - listed.length;
    if (unlisted > 0) listed.push(`and ${unlisted} more reason${unlisted === 1 ? '' : 's'}`);
    return `rejected ${this.count} of ${this.count + acceptedItems} ${this.itemNoun}: ${listed.join('; ')}`;
  }
}

/** Thrown while translating one span to refuse that span only; translateEachSpan catches it and counts. */
export class InvalidSpanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSpanError';
  }
}

/**
 * Translates each wire span, refusing (and counting, with its index) only those whose translation
 * throws InvalidSpanError. Used by the Zipkin and Jaeger decoders, whose wire spans are validated one
 * by one during translation.
 */
export function translateEachSpan<T>(items: readonly T[], translate: (item: T) => Span): DecodedTraces {
  const spans: Span[] = [];
  const rejections = new Rejections('spans');
  items.forEach((item, index) => {
    try {
      spans.push(translate(item));
    } catch (error) {
      if (!(error instanceof InvalidSpanError)) throw error;
      rejections.add(`span ${index}: ${error.message}`);
    }
  });
  return { spans, rejectedSpans: rejections.count, rejectionMessage: rejections.message(spans.length) };
}
