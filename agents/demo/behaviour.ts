// How the demo services behave: how long a call takes and whether it fails. Kept apart from the HTTP
// plumbing so the numbers the README promises (median latencies, error rate) can be tested directly.

export type Random = () => number;

/**
 * A latency drawn from a log-normal distribution: most calls near the median and a long tail of slow
 * ones, which is the shape real request latencies have (a normal distribution would give no tail).
 */
export function logNormalMs(medianMs: number, sigma: number, random: Random = Math.random): number {
  // Box–Muller; 1 - random() keeps the logarithm's argument above zero.
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return medianMs * Math.exp(sigma * normal);
}

/**
 * Decides which calls fail so that the share of failures over any few dozen calls stays close to `rate`
 * (error diffusion with jitter), instead of independent coin flips. With coin flips at 10% a one-minute
 * window of sixty payments often holds only two or three failures, and an alert on "more than 5%" would
 * flap; the demo's alert must fire reliably within a minute.
 */
export class FailureSchedule {
  private credit: number;

  constructor(
    private readonly rate: number,
    private readonly random: Random = Math.random,
  ) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`failure rate must be between 0 and 1, not ${rate}`);
    this.credit = random();
  }

  /** True when this call should fail. */
  next(): boolean {
    // The jitter below would let a rate of 1 pass some calls; the ends of the range are exact.
    if (this.rate === 0 || this.rate === 1) return this.rate === 1;
    // Each call adds between half and one and a half times the rate, so failures do not come at a fixed stride.
    this.credit += this.rate * (0.5 + this.random());
    if (this.credit < 1) return false;
    this.credit -= 1;
    return true;
  }
}

/** Parses a rate such as `0.08` from an environment variable; throws naming the variable. */
export function parseRate(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error(`${name} is '${raw}'; expected a number from 0 to 1, such as 0.08`);
  return value;
}

/** Parses a positive number (requests per second, a latency factor); throws naming the variable. */
export function parsePositive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} is '${raw}'; expected a number above zero`);
  return value;
}
