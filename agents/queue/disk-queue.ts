// The agent's disk-backed DurableQueue, built like the OTel Collector's persistent queue and Vector's
// disk buffer v2: append-only segment files of CRC-checked records (record-format.ts), fdatasync before
// an append resolves, concurrent appends sharing one write + fdatasync (group commit), and the
// acknowledged position kept in a small file replaced atomically. Opening recovers after a crash: torn
// tails are cut, acknowledged records skipped, fully acknowledged segments deleted.
//
// Directory layout: `<first sequence, 20 digits>.seg` segment files and `ack.json`.

import { mkdir, open, readFile, readdir, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { MeshscopeError } from '../../collector/errors.js';
import type { DurableQueue, ForwardItem, QueueStats, QueuedItem } from './durable-queue.js';
import { syncDirectory, writeAll, writeFileAtomically } from './durable-fs.js';
import { HEADER_BYTES, decodeHeader, decodeRecord, encodeHeader, isEncodable, scanSegment } from './record-format.js';
import { OffsetIndex, Segment } from './segment.js';

export interface DiskQueueOptions {
  /** One queue per directory; created if missing. */
  dir: string;
  /** Cap on the segment files' total size; the oldest segments are dropped to stay under it. */
  maxBytes: number;
  /** Size at which a new segment file is started; dropping for the cap works a segment at a time. */
  segmentBytes?: number;
  now?: () => number;
}

/** What the disk holds and what it took, beyond the DurableQueue stats; for the agent's metrics. */
export interface DiskQueueDiskStats {
  segments: number;
  /** Total size of the segment files, acknowledged records not yet deleted included. */
  diskBytes: number;
  /** Write + fdatasync rounds for appends; fewer than appends when they were group-committed. */
  commits: number;
  /** Bytes found torn or corrupt (cut at open, or skipped when read) since open. */
  discardedBytes: number;
}

const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
const SMALLEST_DEFAULT_SEGMENT_BYTES = 64 * 1024;
const LARGEST_SEGMENT_BYTES = 1024 * 1024 * 1024;
const SEGMENT_FILE = /^(\d{20})\.seg$/;
const ACK_FILE = 'ack.json';

/** Two queues on one directory would corrupt each other; this catches it within a process. */
const openDirectories = new Set<string>();

interface PendingAppend {
  item: ForwardItem;
  enqueuedAtMs: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface EncodedAppend extends PendingAppend {
  sequence: number;
  header: Buffer;
}

/** Runs tasks one at a time, in call order, so segment files never change under a reader. */
class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export async function openDiskQueue(options: DiskQueueOptions): Promise<DiskQueue> {
  return DiskQueue.open(options);
}

export class DiskQueue implements DurableQueue {
  private readonly lock = new SerialLock();
  private active: Segment | undefined;
  private pending: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;
  private ackWrite: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;
  /** Set when a failed write could not be undone; every later append fails with it. */
  private failure: Error | undefined;
  private waiters: (() => void)[] = [];
  private oldestEnqueuedAtMs: number | undefined;
  private droppedItems = 0;
  private droppedBytes = 0;
  private commits = 0;
  private highestCorruptSequence = 0;
  /** Highest sequence the sender acknowledged; peek starts after it even before the ack file is written. */
  private ackedSequence: number;
  /** Highest sequence whose record is written and synced. */
  private committedSequence: number;

  private constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly segmentBytes: number,
    private readonly now: () => number,
    private readonly segments: Segment[],
    private nextSequence: number,
    private durableAckedSequence: number,
    private discardedBytes: number,
  ) {
    this.ackedSequence = durableAckedSequence;
    this.committedSequence = nextSequence - 1;
    this.active = segments.at(-1);
  }

  static async open(options: DiskQueueOptions): Promise<DiskQueue> {
    const { maxBytes } = options;
    const segmentBytes = options.segmentBytes ?? defaultSegmentBytes(maxBytes);
    validateSizes(maxBytes, segmentBytes);
    const dir = path.resolve(options.dir);
    if (openDirectories.has(dir)) throw new Error(`disk queue ${dir} is already open in this process`);
    openDirectories.add(dir);
    try {
      await mkdir(dir, { recursive: true });
      const ackedSequence = await readAckedSequence(dir);
      const { segments, discardedBytes } = await recoverSegments(dir, ackedSequence);
      const nextSequence = Math.max(segments.at(-1)?.lastSequence ?? 0, ackedSequence) + 1;
      const queue = new DiskQueue(dir, maxBytes, segmentBytes, options.now ?? Date.now, segments, nextSequence,
        ackedSequence, discardedBytes);
      await queue.lock.run(() => queue.refreshOldest());
      return queue;
    } catch (error) {
      openDirectories.delete(dir);
      throw error;
    }
  }

  append(item: ForwardItem): Promise<void> {
    if (this.closed) return Promise.reject(new Error('disk queue is closed'));
    if (!isEncodable(item)) return Promise.reject(new TypeError('item has an unknown signal, content type or item count'));
    const enqueuedAtMs = this.now();
    return new Promise((resolve, reject) => {
      this.pending.push({ item, enqueuedAtMs, resolve, reject });
      this.flushing ??= this.flushPending();
    });
  }

  async peek(max: number): Promise<QueuedItem[]> {
    if (this.closed) throw new Error('disk queue is closed');
    const limit = Math.floor(max);
    if (!(limit > 0) || this.queuedItems() === 0) return [];
    return this.lock.run(() => this.readOldest(limit));
  }

  whenNonEmpty(): Promise<void> {
    if (this.closed || this.queuedItems() > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async ack(sequence: number): Promise<void> {
    if (this.closed) throw new Error('disk queue is closed');
    if (!Number.isSafeInteger(sequence)) throw new TypeError(`ack needs an integer sequence, got ${sequence}`);
    // Clamped to what is committed: a sequence handed to a write that then fails is handed out again.
    const target = Math.min(sequence, this.committedSequence);
    this.ackedSequence = Math.max(this.ackedSequence, target);
    // Concurrent acks share one ack-file write: a caller waits for the write that covers its sequence.
    while (this.durableAckedSequence < target) {
      this.ackWrite ??= this.persistAck();
      await this.ackWrite;
    }
  }

  stats(): QueueStats {
    const queuedItems = this.queuedItems();
    let queuedBytes = 0;
    for (const segment of this.segments) {
      const index = this.firstUnackedIndex(segment);
      if (index < segment.count) queuedBytes += segment.size - segment.offsets.get(index);
    }
    return {
      queuedItems,
      queuedBytes,
      droppedItems: this.droppedItems,
      droppedBytes: this.droppedBytes,
      oldestEnqueuedAtMs: queuedItems > 0 ? this.oldestEnqueuedAtMs : undefined,
    };
  }

  diskStats(): DiskQueueDiskStats {
    return {
      segments: this.segments.length,
      diskBytes: this.diskBytes(),
      commits: this.commits,
      discardedBytes: this.discardedBytes,
    };
  }

  /** Commits the appends already accepted, then releases the files. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    this.wakeWaiters();
    await this.flushing;
    await this.ackWrite?.catch(() => undefined);
    await this.lock.run(async () => {
      for (const segment of this.segments) await segment.close();
    });
    openDirectories.delete(this.dir);
  }

  // --- appending ---

  /** Group commit: appends that arrive while a batch is being written and synced form the next batch. */
  private async flushPending(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        await this.lock.run(async () => {
          const batch = this.pending.splice(0);
          // writeBatch settles every entry itself; this only guards against a bug leaving callers hanging
          // (settling a promise twice is a no-op).
          await this.writeBatch(batch).catch((error: unknown) => batch.forEach((entry) => entry.reject(error)));
        });
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** Writes a batch as few chunks as possible: one per segment it lands in, or per cap drop. */
  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    let chunk: EncodedAppend[] = [];
    let chunkBytes = 0;
    let diskBytesBeforeChunk = 0;
    for (const entry of batch) {
      const length = HEADER_BYTES + entry.item.body.length;
      if (length > this.maxBytes) {
        entry.reject(new MeshscopeError('payload_too_large',
          `a queue item of ${length} bytes cannot fit the disk queue cap of ${this.maxBytes} bytes`));
        continue;
      }
      if (chunk.length > 0 && !this.fitsActiveSegment(chunkBytes + length, diskBytesBeforeChunk)) {
        await this.commit(chunk);
        chunk = [];
        chunkBytes = 0;
      }
      if (this.failure) {
        entry.reject(this.failure);
        continue;
      }
      if (chunk.length === 0) {
        try {
          await this.makeRoom(length);
        } catch (error) {
          entry.reject(error);
          continue;
        }
        diskBytesBeforeChunk = this.diskBytes();
      }
      const sequence = this.nextSequence;
      this.nextSequence += 1;
      chunk.push({ ...entry, sequence, header: encodeHeader(entry.item, sequence, entry.enqueuedAtMs) });
      chunkBytes += length;
    }
    if (chunk.length > 0) await this.commit(chunk);
  }

  private fitsActiveSegment(bytes: number, diskBytes: number): boolean {
    return this.active !== undefined && this.active.size + bytes <= this.segmentBytes &&
      diskBytes + bytes <= this.maxBytes;
  }

  /** Seals a full segment, drops the oldest segments while over the cap, and ensures a segment to write. */
  private async makeRoom(length: number): Promise<void> {
    if (this.active && this.active.size > 0 && this.active.size + length > this.segmentBytes) {
      this.active = undefined;
    }
    while (this.segments.length > 0 && this.diskBytes() + length > this.maxBytes) {
      await this.dropOldestSegment();
    }
    this.active ??= await this.createSegment(this.nextSequence);
  }

  private async commit(chunk: EncodedAppend[]): Promise<void> {
    const segment = this.active as Segment; // makeRoom ran for the chunk's first record
    const start = segment.size;
    try {
      const handle = await segment.open();
      await writeAll(handle, chunk.flatMap((entry) => [entry.header, entry.item.body]), start);
      await handle.datasync();
    } catch (error) {
      await this.undoWrite(segment, start, chunk[0].sequence);
      for (const entry of chunk) entry.reject(error);
      return;
    }
    this.commits += 1;
    this.committedSequence = chunk[chunk.length - 1].sequence;
    let offset = start;
    for (const entry of chunk) {
      segment.offsets.push(offset);
      offset += HEADER_BYTES + entry.item.body.length;
    }
    segment.size = offset;
    this.oldestEnqueuedAtMs ??= chunk[0].enqueuedAtMs;
    for (const entry of chunk) entry.resolve();
    this.wakeWaiters();
  }

  /** Cuts a partly written chunk (e.g. ENOSPC) so later appends do not land behind garbage. */
  private async undoWrite(segment: Segment, size: number, firstUnwrittenSequence: number): Promise<void> {
    this.nextSequence = firstUnwrittenSequence;
    try {
      const handle = await segment.open();
      await handle.truncate(size);
      await handle.datasync();
    } catch (error) {
      this.failure = new Error(`disk queue ${this.dir} is unusable after a failed write: ${String(error)}`);
    }
  }

  private async createSegment(firstSequence: number): Promise<Segment> {
    const file = path.join(this.dir, `${String(firstSequence).padStart(20, '0')}.seg`);
    const handle = await open(file, 'wx+');
    try {
      // The new name must be durable before any record in the file is acknowledged.
      await syncDirectory(this.dir);
    } catch (error) {
      await handle.close();
      await rm(file, { force: true });
      throw error;
    }
    const segment = new Segment(file, firstSequence, new OffsetIndex(), 0, handle);
    this.segments.push(segment);
    return segment;
  }

  private async dropOldestSegment(): Promise<void> {
    const segment = this.segments[0];
    const index = this.firstUnackedIndex(segment);
    if (index < segment.count) {
      this.droppedItems += segment.count - index;
      this.droppedBytes += segment.size - segment.offsets.get(index);
    }
    await this.deleteOldestSegment();
    await this.refreshOldest();
  }

  /**
   * The directory is not synced after the unlink: if a crash brings the file back, its records are
   * either below the acknowledged position (skipped) or delivered once more, never lost.
   */
  private async deleteOldestSegment(): Promise<void> {
    const segment = this.segments[0];
    await segment.close();
    await unlink(segment.file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    this.segments.shift();
    if (segment === this.active) this.active = undefined;
  }

  // --- reading and acknowledging ---

  private async readOldest(max: number): Promise<QueuedItem[]> {
    const items: QueuedItem[] = [];
    for (const segment of this.segments) {
      if (items.length >= max) break;
      const from = this.firstUnackedIndex(segment);
      const to = Math.min(segment.count, from + max - items.length);
      if (from < to) items.push(...(await this.readRecords(segment, from, to)));
    }
    return items;
  }

  /** One read for a run of records; a record that fails its CRC now (bit rot) is skipped and counted. */
  private async readRecords(segment: Segment, from: number, to: number): Promise<QueuedItem[]> {
    const start = segment.offsets.get(from);
    const bytes = Buffer.allocUnsafe(segment.recordEnd(to - 1) - start);
    await segment.readExactly(bytes, start);
    const items: QueuedItem[] = [];
    for (let index = from; index < to; index += 1) {
      const sequence = segment.firstSequence + index;
      const record = decodeRecord(bytes, segment.offsets.get(index) - start, sequence);
      if (record) {
        items.push(record);
      } else if (sequence > this.highestCorruptSequence) {
        this.highestCorruptSequence = sequence;
        this.discardedBytes += segment.recordEnd(index) - segment.offsets.get(index);
      }
    }
    return items;
  }

  private async persistAck(): Promise<void> {
    try {
      const sequence = this.ackedSequence;
      const content = `${JSON.stringify({ version: 1, ackedSequence: sequence })}\n`;
      await writeFileAtomically(path.join(this.dir, ACK_FILE), content);
      this.durableAckedSequence = sequence;
      await this.lock.run(() => this.deleteAcknowledgedSegments());
    } finally {
      this.ackWrite = undefined;
    }
  }

  private async deleteAcknowledgedSegments(): Promise<void> {
    while (this.segments.length > 0 && this.segments[0].lastSequence <= this.durableAckedSequence) {
      await this.deleteOldestSegment();
    }
    await this.refreshOldest();
  }

  /** Reads the head record's header: stats() is synchronous, and keeping every timestamp would cost memory. */
  private async refreshOldest(): Promise<void> {
    const segment = this.segments.find((candidate) => this.firstUnackedIndex(candidate) < candidate.count);
    if (!segment) {
      this.oldestEnqueuedAtMs = undefined;
      return;
    }
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    await segment.readExactly(header, segment.offsets.get(this.firstUnackedIndex(segment)));
    this.oldestEnqueuedAtMs = decodeHeader(header, 0)?.enqueuedAtMs;
  }

  // --- bookkeeping ---

  private firstUnackedIndex(segment: Segment): number {
    return Math.min(segment.count, Math.max(0, this.ackedSequence + 1 - segment.firstSequence));
  }

  private queuedItems(): number {
    let count = 0;
    for (const segment of this.segments) count += segment.count - this.firstUnackedIndex(segment);
    return count;
  }

  private diskBytes(): number {
    let bytes = 0;
    for (const segment of this.segments) bytes += segment.size;
    return bytes;
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

function defaultSegmentBytes(maxBytes: number): number {
  // At least eight segments under the cap, so dropping one for room loses at most an eighth.
  const eighth = Math.floor(maxBytes / 8);
  return Math.min(maxBytes, DEFAULT_SEGMENT_BYTES, Math.max(SMALLEST_DEFAULT_SEGMENT_BYTES, eighth));
}

function validateSizes(maxBytes: number, segmentBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= HEADER_BYTES) {
    throw new RangeError(`disk queue maxBytes must be an integer above ${HEADER_BYTES}, got ${maxBytes}`);
  }
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= HEADER_BYTES || segmentBytes > LARGEST_SEGMENT_BYTES ||
    segmentBytes > maxBytes) {
    throw new RangeError(`disk queue segmentBytes must be an integer in (${HEADER_BYTES}, min(maxBytes, 1 GiB)], got ${segmentBytes}`);
  }
}

/** A missing or unreadable ack file means nothing is acknowledged: delivering twice beats losing data. */
async function readAckedSequence(dir: string): Promise<number> {
  await rm(path.join(dir, `${ACK_FILE}.tmp`), { force: true });
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(dir, ACK_FILE), 'utf8'));
    const sequence = (parsed as { ackedSequence?: unknown } | null)?.ackedSequence;
    return Number.isSafeInteger(sequence) && (sequence as number) >= 0 ? (sequence as number) : 0;
  } catch {
    return 0;
  }
}

/**
 * Keeps each segment's longest valid prefix (cutting torn tails so appends resume after whole records)
 * and deletes segments that are empty, fully acknowledged, or overlap an earlier one.
 */
async function recoverSegments(dir: string, ackedSequence: number): Promise<{ segments: Segment[]; discardedBytes: number }> {
  const names = (await readdir(dir)).filter((name) => SEGMENT_FILE.test(name)).sort();
  const segments: Segment[] = [];
  let discardedBytes = 0;
  let deleted = false;
  for (const name of names) {
    const file = path.join(dir, name);
    const firstSequence = Number(name.slice(0, 20));
    const bytes = await readFile(file);
    const { offsets, validBytes } = scanSegment(bytes, firstSequence);
    discardedBytes += bytes.length - validBytes;
    const lastSequence = firstSequence + offsets.length - 1;
    const previous = segments.at(-1);
    const overlaps = previous !== undefined && firstSequence <= previous.lastSequence;
    if (offsets.length === 0 || lastSequence <= ackedSequence || overlaps) {
      if (overlaps) discardedBytes += validBytes;
      await unlink(file);
      deleted = true;
      continue;
    }
    if (validBytes < bytes.length) await truncateDurably(file, validBytes);
    segments.push(new Segment(file, firstSequence, OffsetIndex.from(offsets), validBytes));
  }
  if (deleted) await syncDirectory(dir);
  return { segments, discardedBytes };
}

async function truncateDurably(file: string, size: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(size);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
