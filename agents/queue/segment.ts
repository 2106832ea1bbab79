// One segment file of the disk queue and the in-memory index of where its records start. The index
// costs 4 bytes a record, so memory stays small while the bodies stay on disk.

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** A growable list of u32 record offsets; plain arrays of numbers would cost twice as much. */
export class OffsetIndex {
  private values = new Uint32Array(64);
  length = 0;

  static from(offsets: readonly number[]): OffsetIndex {
    const index = new OffsetIndex();
    for (const offset of offsets) index.push(offset);
    return index;
  }

  push(offset: number): void {
    if (this.length === this.values.length) {
      const grown = new Uint32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length] = offset;
    this.length += 1;
  }

  get(index: number): number {
    return this.values[index];
  }
}

export class Segment {
  private handle: FileHandle | undefined;

  constructor(
    readonly file: string,
    /** Sequence of the first record; also the file's name, so it is known before the file is read. */
    readonly firstSequence: number,
    readonly offsets: OffsetIndex,
    /** Bytes of whole, committed records; the file is never longer once a commit has finished. */
    public size: number,
    handle?: FileHandle,
  ) {
    this.handle = handle;
  }

  get count(): number {
    return this.offsets.length;
  }

  get lastSequence(): number {
    return this.firstSequence + this.count - 1;
  }

  /** Where record `index` ends: the next record's start, or the end of the segment. */
  recordEnd(index: number): number {
    return index + 1 < this.count ? this.offsets.get(index + 1) : this.size;
  }

  /** Opened lazily: most segments are only read once, when they reach the head of the queue. */
  async open(): Promise<FileHandle> {
    this.handle ??= await open(this.file, 'r+');
    return this.handle;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /** Fills `target` from `position`; a short file means the index and the file disagree. */
  async readExactly(target: Buffer, position: number): Promise<void> {
    const handle = await this.open();
    let filled = 0;
    while (filled < target.length) {
      const { bytesRead } = await handle.read(target, filled, target.length - filled, position + filled);
      if (bytesRead === 0) throw new Error(`segment ${this.file} is shorter than its index`);
      filled += bytesRead;
    }
  }
}
