// Samples appended one at a time into two growable typed arrays, then handed out as a Series' arrays.
// Readers collect into one buffer and copy each series out at its exact length, so collecting leaves no
// garbage behind but the result.

import type { SampleArrays } from './api.js';

const INITIAL_CAPACITY = 256;
/** A buffer grown beyond this is dropped when cleared, so one huge read does not pin its memory. */
const MAX_KEPT_CAPACITY = 1 << 20;

export class SampleBuffer {
  private timestampsMs: Float64Array;
  private values: Float64Array;
  private count = 0;

  constructor(private readonly initialCapacity = INITIAL_CAPACITY) {
    this.timestampsMs = new Float64Array(initialCapacity);
    this.values = new Float64Array(initialCapacity);
  }

  get length(): number {
    return this.count;
  }

  push(timestampMs: number, value: number): void {
    if (this.count === this.timestampsMs.length) this.grow();
    this.timestampsMs[this.count] = timestampMs;
    this.values[this.count] = value;
    this.count++;
  }

  clear(): void {
    this.count = 0;
    if (this.timestampsMs.length > MAX_KEPT_CAPACITY) {
      this.timestampsMs = new Float64Array(this.initialCapacity);
      this.values = new Float64Array(this.initialCapacity);
    }
  }

  /** Copies of the samples held, at their exact length; the buffer is then empty. */
  take(): SampleArrays {
    const taken = { timestampsMs: this.timestampsMs.slice(0, this.count), values: this.values.slice(0, this.count) };
    this.clear();
    return taken;
  }

  private grow(): void {
    const capacity = Math.max(this.timestampsMs.length * 2, 1);
    const timestampsMs = new Float64Array(capacity);
    const values = new Float64Array(capacity);
    timestampsMs.set(this.timestampsMs);
    values.set(this.values);
    this.timestampsMs = timestampsMs;
    this.values = values;
  }
}
