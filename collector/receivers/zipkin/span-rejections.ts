// Per-item rejection bookkeeping shared by the Zipkin and Jaeger decoders: one bad span is refused and
// counted while the rest of the request is accepted (OTLP's partial_success model).

/** Thrown while reading one span to refuse that span only; the decoder catches it and counts. */
export class InvalidSpanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSpanError';
  }
}

/** Enough reasons to debug a client without letting one request build an unbounded message. */
const MAX_REASONS = 5;

export class RejectionLog {
  private rejected = 0;
  private readonly reasons: string[] = [];

  add(reason: string): void {
    this.rejected++;
    if (this.reasons.length < MAX_REASONS) this.reasons.push(reason);
  }

  get count(): number {
    return this.rejected;
  }

  /** '' when nothing was rejected, else e.g. "2 spans rejected: span 1: ...; span 4: ...". */
  get message(): string {
    if (this.rejected === 0) return '';
    const more = this.rejected > this.reasons.length ? '; ...' : '';
    const noun = this.rejected === 1 ? 'span' : 'spans';
    return `${this.rejected} ${noun} rejected: ${this.reasons.join('; ')}${more}`;
  }
}
