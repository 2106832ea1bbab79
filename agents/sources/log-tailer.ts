// Follows log files like Fluent Bit's `tail` input and the OTel Collector's filelog receiver: every poll
// it looks for files matching the globs, reads the bytes appended since the last poll, splits them into
// lines, joins stack-trace continuation lines to the record they belong to, parses each record (JSON,
// logfmt or plain text) and hands batches to `onBatch`.
//
// Delivery is at-least-once: a file's position moves (and is saved) only after `onBatch` resolved for
// every record before it. When `onBatch` rejects, the in-memory state of every file goes back to its saved
// position and the same bytes are read again on the next poll.
//
// Files are followed by (device, inode), not by path: when a file is renamed away and a new one created
// (logrotate's default), the old one is read to its end through the descriptor kept open, and the new one
// from its first byte. A file that shrank, or whose first bytes changed, was truncated (copytruncate) and
// is read again from 0.

import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { globFiles } from '../../collector/alerting/rule-loader.js';
import { serviceNameOf } from '../../collector/model/attributes.js';
import type { InstrumentationScope, LogRecord, Resource } from '../../collector/model/model.js';
import { parseLogRecord } from './log-parse.js';
import { loadPositions, savePositions } from './tail-positions.js';
import type { TailPosition } from './tail-positions.js';
import { InterruptibleSleep } from './interruptible-sleep.js';

export interface LogTailerOptions {
  /** Paths or glob patterns (`*`, `?`, `[...]`, `**`), as MESHSCOPE_LOG_FILES lists them. */
  patterns: string[];
  /** Where read positions are kept across restarts (written atomically). */
  positionsFile: string;
  /** The agent's resource (service.name, host and Kubernetes attributes) put on every record. */
  resource: Resource;
  /** Resolves once the records are durable; only then do the files' positions advance. */
  onBatch: (logs: LogRecord[]) => Promise<void>;
  /** Default 1000. */
  pollIntervalMs?: number;
  /** Longer lines are cut to this many bytes (the rest of the line is skipped). Default 256 KiB. */
  maxLineBytes?: number;
  /**
   * When set, a line that does not match starts no record of its own: it is joined to the previous one.
   * Without it, lines starting with whitespace, `at `, `Caused by:` or `...` are joined (Java, Node and
   * Python stack traces).
   */
  multilineStartPattern?: RegExp;
  /** A record waiting for continuation lines is sent after this long without one. Default 1000. */
  flushIdleMs?: number;
  /** A rotated or deleted file is still read this long for late writes before it is closed. Default 5000. */
  rotateWaitMs?: number;
  /**
   * Where to start in files found at the very first start (no positions file yet). Files that appear later,
   * and files unknown to an existing positions file, are always read from the beginning. Default 'beginning'.
   */
  startAt?: 'beginning' | 'end';
  /** Records per onBatch call. Default 1000. */
  maxBatchRecords?: number;
  /** Bytes read from one file per poll, so one busy file cannot hold the others back. Default 4 MiB. */
  maxReadBytesPerPoll?: number;
  /** Unix milliseconds; for tests. */
  now?: () => number;
  /** Problems that do not stop tailing (unreadable file, failed batch); default: one line on stderr. */
  onError?: (error: unknown) => void;
}

export interface LogTailerStats {
  trackedFiles: number;
  recordsDelivered: number;
  failedBatches: number;
  truncatedLines: number;
  /** Files found truncated or rewritten in place and read again from the start. */
  fileTruncations: number;
}

/** The instrumentation scope of records the tailer produces. */
export const LOG_TAILER_SCOPE: InstrumentationScope = { name: 'meshscope.agent.filelog', version: '', attributes: [] };

const CONTINUATION_LINE = /^(?:\s|at\s|Caused by:|\.\.\.)/;
const GLOB_CHARS = /[*?[]/;
/** Bytes of a file's start remembered to recognise it (the filelog receiver's fingerprint). */
const HEAD_BYTES = 64;
const READ_CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

interface PendingRecord {
  lines: string[];
  /** Offset just past the record's last line. */
  endOffset: number;
  lastLineAtMs: number;
}

interface TrackedFile {
  key: string;
  path: string;
  handle: FileHandle;
  /** Bytes delivered (durable); what the positions file holds. */
  committedOffset: number;
  /** Bytes read into memory; ahead of committedOffset by the records not yet delivered. */
  readOffset: number;
  head: Buffer;
  /** Bytes of a line whose newline has not arrived yet. */
  carry: Buffer;
  /** Skipping the rest of a line already cut at maxLineBytes. */
  discardingLongLine: boolean;
  pending: PendingRecord | undefined;
  /** When the path stopped leading to this file (renamed away or deleted). */
  rotatedAtMs: number | undefined;
  /** Read to its end after rotation; closed once its last records are delivered. */
  finished: boolean;
}

interface ReadyRecord {
  file: TrackedFile;
  lines: string[];
  /** The file's position once this record is delivered. */
  offsetAfter: number;
}

export class LogTailer {
  private readonly files = new Map<string, TrackedFile>();
  private readonly pollIntervalMs: number;
  private readonly maxLineBytes: number;
  private readonly flushIdleMs: number;
  private readonly rotateWaitMs: number;
  private readonly maxBatchRecords: number;
  private readonly maxReadBytesPerPoll: number;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  private readonly serviceName: string;
  private saved: Map<string, TailPosition> | undefined;
  private firstScan = true;
  private firstRun = false;
  private moreToRead = false;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private loop: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  private readonly pause = new InterruptibleSleep();
  private readonly counters = { recordsDelivered: 0, failedBatches: 0, truncatedLines: 0, fileTruncations: 0 };

  constructor(private readonly options: LogTailerOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxLineBytes = options.maxLineBytes ?? 256 * 1024;
    this.flushIdleMs = options.flushIdleMs ?? 1000;
    this.rotateWaitMs = options.rotateWaitMs ?? 5000;
    this.maxBatchRecords = options.maxBatchRecords ?? 1000;
    this.maxReadBytesPerPoll = options.maxReadBytesPerPoll ?? 4 * 1024 * 1024;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((error) => console.error(`[log-tailer] ${errorMessage(error)}`));
    this.serviceName = serviceNameOf(options.resource);
  }

  /** Loads saved positions (a corrupt positions file rejects; its directory is created) and starts polling. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    await mkdir(path.dirname(this.options.positionsFile), { recursive: true });
    this.saved = await loadPositions(this.options.positionsFile);
    if (this.stopped !== undefined) return; // stop() came while the positions were loading
    this.firstRun = this.saved === undefined;
    this.state = 'running';
    this.loop = this.runLoop();
  }

  /** Stops polling after a last read that also sends records still waiting for continuation lines. */
  stop(): Promise<void> {
    this.stopped ??= this.stopOnce();
    return this.stopped;
  }

  stats(): LogTailerStats {
    return { trackedFiles: this.files.size, ...this.counters };
  }

  private async stopOnce(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.pause.wake();
    await this.loop;
    if (wasRunning) await this.pollSafely(true);
    for (const file of this.files.values()) await file.handle.close().catch(() => undefined);
    this.files.clear();
    this.state = 'stopped';
  }

  private async runLoop(): Promise<void> {
    while (this.state === 'running') {
      await this.pollSafely(false);
      if (this.state !== 'running') return;
      await this.pause.sleep(this.moreToRead ? 0 : this.pollIntervalMs);
    }
  }


  private async pollSafely(flushPending: boolean): Promise<void> {
    try {
      await this.poll(flushPending);
    } catch (error) {
      this.onError(error);
    }
  }

  private async poll(flushPending: boolean): Promise<void> {
    const now = this.now();
    await this.discover(now);
    this.moreToRead = false;
    const ready: ReadyRecord[] = [];
    for (const file of this.files.values()) {
      try {
        await this.readFile(file, now, flushPending, ready);
      } catch (error) {
        this.onError(error);
      }
    }
    await this.deliver(ready, now);
  }

  // ---- discovery ----

  private async discover(now: number): Promise<void> {
    const found = await this.matchingFiles();
    for (const file of this.files.values()) {
      const current = found.get(file.key);
      if (current !== undefined) {
        file.path = current;
        file.rotatedAtMs = undefined;
      } else {
        file.rotatedAtMs ??= now;
      }
    }
    let added = false;
    for (const [key, filePath] of found) {
      if (this.files.has(key)) continue;
      try {
        this.files.set(key, await this.track(key, filePath));
        added = true;
      } catch (error) {
        this.onError(error);
      }
    }
    this.firstScan = false;
    // Saved at once so a start-at-end position, or a new file's existence, survives an early restart.
    if (added) await this.saveSafely();
  }

  /** Files matching the patterns by `${dev}:${ino}`; the first path wins when several lead to one file. */
  private async matchingFiles(): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const pattern of this.options.patterns) {
      const paths = GLOB_CHARS.test(pattern) ? await globFiles(pattern) : [pattern];
      for (const filePath of paths) {
        const stats = await stat(filePath).catch(() => undefined);
        if (stats === undefined || !stats.isFile()) continue;
        const key = `${stats.dev}:${stats.ino}`;
        if (!found.has(key)) found.set(key, filePath);
      }
    }
    return found;
  }

  private async track(key: string, filePath: string): Promise<TrackedFile> {
    const handle = await open(filePath, 'r');
    const head = await readHead(handle);
    const offset = await this.initialOffset(key, head, handle);
    return {
      key,
      path: filePath,
      handle,
      committedOffset: offset,
      readOffset: offset,
      head,
      carry: EMPTY,
      discardingLongLine: false,
      pending: undefined,
      rotatedAtMs: undefined,
      finished: false,
    };
  }

  private async initialOffset(key: string, head: Buffer, handle: FileHandle): Promise<number> {
    const saved = this.saved?.get(key);
    if (saved !== undefined) {
      const savedHead = Buffer.from(saved.head, 'base64');
      // The same inode with other first bytes is a new file that reused the inode.
      if (head.subarray(0, savedHead.length).equals(savedHead)) return saved.offset;
    }
    if (this.firstScan && this.firstRun && this.options.startAt === 'end') return (await handle.stat()).size;
    return 0;
  }

  // ---- reading ----

  private async readFile(file: TrackedFile, now: number, flushPending: boolean, ready: ReadyRecord[]): Promise<void> {
    const size = (await file.handle.stat()).size;
    await this.detectTruncation(file, size, ready);
    let budget = this.maxReadBytesPerPoll;
    let readAny = false;
    while (file.readOffset < size && budget > 0) {
      const chunk = Buffer.alloc(Math.min(READ_CHUNK_BYTES, size - file.readOffset, budget));
      const { bytesRead } = await file.handle.read(chunk, 0, chunk.length, file.readOffset);
      if (bytesRead === 0) break;
      this.consume(file, chunk.subarray(0, bytesRead), now, ready);
      budget -= bytesRead;
      readAny = true;
    }
    if (file.readOffset < size) this.moreToRead = true;
    const idle = file.pending !== undefined && now - file.pending.lastLineAtMs >= this.flushIdleMs;
    if (flushPending || idle) this.emitPending(file, ready);
    if (file.rotatedAtMs !== undefined && !readAny && !flushPending && now - file.rotatedAtMs >= this.rotateWaitMs) {
      this.finish(file, now, ready);
    }
  }

  /** A file shorter than what was read, or with other first bytes, was truncated: start again at 0. */
  private async detectTruncation(file: TrackedFile, size: number, ready: ReadyRecord[]): Promise<void> {
    const head = await readHead(file.handle);
    const rewritten = !head.subarray(0, file.head.length).equals(file.head);
    if (size < file.readOffset || rewritten) {
      // What was complete before the truncation still goes out; afterwards the file resumes at 0.
      if (file.pending !== undefined) file.pending.endOffset = 0;
      this.emitPending(file, ready);
      file.readOffset = 0;
      file.carry = EMPTY;
      file.discardingLongLine = false;
      this.counters.fileTruncations++;
    }
    if (head.length > file.head.length || rewritten) file.head = head;
  }

  /** Splits a chunk read at file.readOffset into lines. */
  private consume(file: TrackedFile, chunk: Buffer, now: number, ready: ReadyRecord[]): void {
    const base = file.readOffset;
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      if (file.discardingLongLine) file.discardingLongLine = false;
      else this.acceptLine(file, Buffer.concat([file.carry, chunk.subarray(start, newline)]), base + newline + 1, now, ready);
      file.carry = EMPTY;
      start = newline + 1;
    }
    file.readOffset = base + chunk.length;
    if (file.discardingLongLine) return;
    file.carry = Buffer.concat([file.carry, chunk.subarray(start)]);
    if (file.carry.length > this.maxLineBytes) {
      // Send the start of an over-long line now rather than buffer it without bound.
      this.acceptLine(file, file.carry, file.readOffset, now, ready);
      file.carry = EMPTY;
      file.discardingLongLine = true;
    }
  }

  private acceptLine(file: TrackedFile, bytes: Buffer, endOffset: number, now: number, ready: ReadyRecord[]): void {
    if (bytes.length > this.maxLineBytes) {
      bytes = bytes.subarray(0, this.maxLineBytes);
      this.counters.truncatedLines++;
    }
    const text = bytes.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') return;
    if (file.pending !== undefined && this.isContinuation(text)) {
      file.pending.lines.push(text);
      file.pending.endOffset = endOffset;
      file.pending.lastLineAtMs = now;
      return;
    }
    this.emitPending(file, ready);
    file.pending = { lines: [text], endOffset, lastLineAtMs: now };
  }

  private isContinuation(line: string): boolean {
    const start = this.options.multilineStartPattern;
    return start === undefined ? CONTINUATION_LINE.test(line) : !start.test(line);
  }

  private emitPending(file: TrackedFile, ready: ReadyRecord[]): void {
    if (file.pending === undefined) return;
    ready.push({ file, lines: file.pending.lines, offsetAfter: file.pending.endOffset });
    file.pending = undefined;
  }

  /** Nothing more will be written to a rotated file: its unterminated last line is a line too. */
  private finish(file: TrackedFile, now: number, ready: ReadyRecord[]): void {
    if (file.carry.length > 0 && !file.discardingLongLine) {
      this.acceptLine(file, file.carry, file.readOffset, now, ready);
      file.carry = EMPTY;
    }
    this.emitPending(file, ready);
    file.finished = true;
  }

  // ---- delivery ----

  private async deliver(ready: ReadyRecord[], now: number): Promise<void> {
    for (let start = 0; start < ready.length; start += this.maxBatchRecords) {
      const batch = ready.slice(start, start + this.maxBatchRecords);
      try {
        await this.options.onBatch(batch.map((record) => this.toLogRecord(record, now)));
      } catch (error) {
        this.counters.failedBatches++;
        this.onError(error);
        this.rewindAll();
        return;
      }
      for (const record of batch) record.file.committedOffset = record.offsetAfter;
      this.counters.recordsDelivered += batch.length;
      await this.saveSafely();
    }
    await this.closeFinished();
  }

  /** After a failed batch every file goes back to its committed position, to be read again next poll. */
  private rewindAll(): void {
    for (const file of this.files.values()) {
      file.readOffset = file.committedOffset;
      file.carry = EMPTY;
      file.discardingLongLine = false;
      file.pending = undefined;
      file.finished = false;
    }
  }

  private async closeFinished(): Promise<void> {
    const finished = [...this.files.values()].filter((file) => file.finished);
    if (finished.length === 0) return;
    for (const file of finished) {
      this.files.delete(file.key);
      await file.handle.close().catch(() => undefined);
    }
    await this.saveSafely();
  }

  /** A failed save only risks records sent again after a restart; tailing goes on. */
  private async saveSafely(): Promise<void> {
    const positions = [...this.files.values()].map((file) => ({
      key: file.key,
      path: file.path,
      offset: file.committedOffset,
      head: file.head.toString('base64'),
    }));
    try {
      await savePositions(this.options.positionsFile, positions);
    } catch (error) {
      this.onError(error);
    }
  }

  private toLogRecord(record: ReadyRecord, now: number): LogRecord {
    const parsed = parseLogRecord(record.lines);
    return {
      timeUnixNano: parsed.timeUnixNano,
      observedTimeUnixNano: BigInt(Math.round(now)) * 1_000_000n,
      severityNumber: parsed.severityNumber,
      severityText: parsed.severityText,
      body: { type: 'string', value: parsed.body },
      attributes: [
        { key: 'log.file.path', value: { type: 'string', value: path.resolve(record.file.path) } },
        { key: 'log.file.name', value: { type: 'string', value: path.basename(record.file.path) } },
        ...parsed.attributes,
      ],
      droppedAttributesCount: 0,
      flags: 0,
      traceId: parsed.traceId,
      spanId: parsed.spanId,
      eventName: '',
      serviceName: this.serviceName,
      resource: this.options.resource,
      scope: LOG_TAILER_SCOPE,
    };
  }
}

async function readHead(handle: FileHandle): Promise<Buffer> {
  const buffer = Buffer.alloc(HEAD_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
  return buffer.subarray(0, bytesRead);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
