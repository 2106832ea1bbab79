// The on-disk record of the disk queue. A segment file is a plain run of records, each a fixed 32-byte
// header followed by the body. The CRC covers everything after itself, so a record torn by a crash
// mid-write, or a flipped bit, is recognised and the segment is cut just before it.
//
//   offset size field
//   0      4    crc32 of bytes 4..31 and the body
//   4      1    format version (1)
//   5      1    signal       (0 traces, 1 logs, 2 metrics)
//   6      1    content type (0 protobuf, 1 json)
//   7      1    reserved (0)
//   8      4    body length
//   12     4    item count
//   16     8    sequence (u64)
//   24     8    enqueuedAtMs (f64, so any number the clock gives survives exactly)
//
// All integers are little-endian.

import { crc32 } from 'node:zlib';
import type { ForwardItem, QueuedItem, Signal } from './durable-queue.js';

export const HEADER_BYTES = 32;
const FORMAT_VERSION = 1;

const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
const CONTENT_TYPES: readonly ForwardItem['contentType'][] = ['application/x-protobuf', 'application/json'];

export interface RecordHeader {
  signal: Signal;
  contentType: ForwardItem['contentType'];
  bodyBytes: number;
  itemCount: number;
  sequence: number;
  enqueuedAtMs: number;
}

/** Whether `item` fits the header's fields (checked before a sequence number is spent on it). */
export function isEncodable(item: ForwardItem): boolean {
  return SIGNALS.includes(item.signal) && CONTENT_TYPES.includes(item.contentType) &&
    Number.isInteger(item.itemCount) && item.itemCount >= 0 && item.itemCount <= 0xffffffff &&
    Buffer.isBuffer(item.body) && item.body.length <= 0xffffffff;
}

/** The header for `item`; written before its body, which is not copied. */
export function encodeHeader(item: ForwardItem, sequence: number, enqueuedAtMs: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(FORMAT_VERSION, 4);
  header.writeUInt8(SIGNALS.indexOf(item.signal), 5);
  header.writeUInt8(CONTENT_TYPES.indexOf(item.contentType), 6);
  header.writeUInt32LE(item.body.length, 8);
  header.writeUInt32LE(item.itemCount, 12);
  header.writeBigUInt64LE(BigInt(sequence), 16);
  header.writeDoubleLE(enqueuedAtMs, 24);
  header.writeUInt32LE(crc32(item.body, crc32(header.subarray(4))), 0);
  return header;
}

/** Reads a header's fields without checking the CRC (which needs the body); undefined if malformed. */
export function decodeHeader(bytes: Buffer, offset: number): RecordHeader | undefined {
  if (bytes.length - offset < HEADER_BYTES) return undefined;
  const signal = SIGNALS[bytes.readUInt8(offset + 5)];
  const contentType = CONTENT_TYPES[bytes.readUInt8(offset + 6)];
  if (bytes.readUInt8(offset + 4) !== FORMAT_VERSION || !signal || !contentType) return undefined;
  const sequence = bytes.readBigUInt64LE(offset + 16);
  if (sequence > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return {
    signal,
    contentType,
    bodyBytes: bytes.readUInt32LE(offset + 8),
    itemCount: bytes.readUInt32LE(offset + 12),
    sequence: Number(sequence),
    enqueuedAtMs: bytes.readDoubleLE(offset + 24),
  };
}

/**
 * The record starting at `offset` if it is whole, carries `expectedSequence` and its CRC matches;
 * otherwise undefined. The body is a view into `bytes`, not a copy.
 */
export function decodeRecord(bytes: Buffer, offset: number, expectedSequence: number): QueuedItem | undefined {
  const header = decodeHeader(bytes, offset);
  if (!header || header.sequence !== expectedSequence) return undefined;
  const bodyStart = offset + HEADER_BYTES;
  const bodyEnd = bodyStart + header.bodyBytes;
  if (bodyEnd > bytes.length) return undefined;
  const body = bytes.subarray(bodyStart, bodyEnd);
  const crc = crc32(body, crc32(bytes.subarray(offset + 4, bodyStart)));
  if (crc !== bytes.readUInt32LE(offset)) return undefined;
  return {
    signal: header.signal,
    contentType: header.contentType,
    body,
    itemCount: header.itemCount,
    sequence: header.sequence,
    enqueuedAtMs: header.enqueuedAtMs,
  };
}

export interface SegmentScan {
  /** Start of each valid record, in order; record i has sequence firstSequence + i. */
  offsets: number[];
  /** Bytes covered by valid records; anything after is a torn or corrupt tail. */
  validBytes: number;
}

/**
 * Walks a whole segment file and keeps the longest prefix of valid, consecutively numbered records.
 * Everything from the first bad record on is untrustworthy: its length field may be garbage, so the
 * next record boundary is unknown.
 */
export function scanSegment(bytes: Buffer, firstSequence: number): SegmentScan {
  const offsets: number[] = [];
  let offset = 0;
  for (;;) {
    const record = decodeRecord(bytes, offset, firstSequence + offsets.length);
    if (!record) return { offsets, validBytes: offset };
    offsets.push(offset);
    offset += HEADER_BYTES + record.body.length;
  }
}
