// A process-wide cap on request bytes held in memory by every receiver at once. Each request takes a
// lease and grows it as its (decompressed) body arrives; when the cap would be exceeded the request is
// refused as overloaded (503 / UNAVAILABLE, retryable) instead of buffering. Without it, many small
// gzip bodies that each inflate to the per-request limit add up to gigabytes.
import { MeshscopeError } from '../errors.js';

const RETRY_AFTER_SECONDS = 1;

export class MemoryBudget {
  private usedBytes = 0;

  constructor(readonly limitBytes: number) {}

  get used(): number {
    return this.usedBytes;
  }

  lease(): MemoryLease {
    return new MemoryLease(this);
  }

  /** @internal for MemoryLease. An idle budget always grants, so one request as big as the cap fits. */
  reserve(bytes: number, alreadyHeld: number): boolean {
    if (this.usedBytes > alreadyHeld && this.usedBytes + bytes > this.limitBytes) return false;
    this.usedBytes += bytes;
    return true;
  }

  /** @internal for MemoryLease. */
  giveBack(bytes: number): void {
    this.usedBytes -= bytes;
  }
}

export class MemoryLease {
  private heldBytes = 0;

  constructor(private readonly budget: MemoryBudget) {}

  /** Holds `bytes` more; throws MeshscopeError('overloaded') when the budget is spent. */
  grow(bytes: number): void {
    if (!this.budget.reserve(bytes, this.heldBytes)) {
      throw new MeshscopeError('overloaded', `receivers hold ${this.budget.used} bytes of requests in memory (limit ${this.budget.limitBytes}); retry later`, RETRY_AFTER_SECONDS);
    }
    this.heldBytes += bytes;
  }

  /** Returns everything held. Idempotent. */
  release(): void {
    this.budget.giveBack(this.heldBytes);
    this.heldBytes = 0;
  }
}
