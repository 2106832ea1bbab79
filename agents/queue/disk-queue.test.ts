import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, readdir, rm, stat, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MeshscopeError } from '../../collector/errors.js';
import type { ForwardItem, QueuedItem } from './durable-queue.js';
import { DiskQueue, openDiskQueue } from './disk-queue.js';
import { HEADER_BYTES } from './record-format.js';

async function temporaryDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meshscope-queue-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function item(text: string, bodyBytes = text.length): ForwardItem {
  const body = Buffer.alloc(bodyBytes, '.');
  body.write(text);
  return { signal: 'logs', body, contentType: 'application/json', itemCount: 1 };
}

function texts(items: QueuedItem[]): string[] {
  return items.map((entry) => entry.body.toString().replace(/\.+$/, ''));
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
}

test('items come back oldest first with increasing sequences, and ack removes them', async (t) => {
  const dir = await temporaryDir(t);
  let clock = 1000;
  const queue = await openDiskQueue({ dir, maxBytes: 1 << 20, now: () => clock++ });
  t.after(() => queue.close());
  assert.deepEqual(await queue.peek(10), []);
  assert.equal(queue.stats().oldestEnqueuedAtMs, undefined);

  for (const text of ['a', 'b', 'c', 'd']) await queue.append(item(text));
  const all = await queue.peek(10);
  assert.deepEqual(texts(all), ['a', 'b', 'c', 'd']);
  assert.deepEqual(all.map((entry) => entry.sequence), [1, 2, 3, 4]);
  assert.deepEqual(all.map((entry) => entry.enqueuedAtMs), [1000, 1001, 1002, 1003]);
  assert.equal(all[0].signal, 'logs');
  assert.equal(all[0].contentType, 'application/json');
  assert.deepEqual(texts(await queue.peek(2)), ['a', 'b'], 'peek does not consume');

  await queue.ack(2);
  assert.deepEqual(texts(await queue.peek(10)), ['c', 'd']);
  assert.deepEqual(queue.stats(), {
    queuedItems: 2, queuedBytes: 2 * (HEADER_BYTES + 1), droppedItems: 0, droppedBytes: 0, oldestEnqueuedAtMs: 1002,
  });
  await queue.ack(1);
  assert.equal(queue.stats().queuedItems, 2, 'an older ack changes nothing');
  await queue.ack(99);
  assert.deepEqual(await queue.peek(10), [], 'an ack past the end acknowledges everything');
  assert.equal(queue.stats().oldestEnqueuedAtMs, undefined);
  await queue.append(item('e'));
  assert.deepEqual((await queue.peek(10)).map((entry) => entry.sequence), [5], 'sequences are never reused');
});

test('after close and reopen the unacknowledged items remain and sequences continue', async (t) => {
  const dir = await temporaryDir(t);
  const first = await openDiskQueue({ dir, maxBytes: 1 << 20, segmentBytes: 200 });
  for (let index = 0; index < 10; index += 1) await first.append(item(`item-${index}`, 40));
  await first.ack(3);
  await first.close();
  await first.close(); // idempotent
  await assert.rejects(first.append(item('late')), /closed/);

  const second = await openDiskQueue({ dir, maxBytes: 1 << 20, segmentBytes: 200 });
  t.after(() => second.close());
  const remaining = await second.peek(100);
  assert.deepEqual(remaining.map((entry) => entry.sequence), [4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(texts(remaining), ['item-3', 'item-4', 'item-5', 'item-6', 'item-7', 'item-8', 'item-9']);
  await second.append(item('item-10'));
  assert.equal((await second.peek(100)).at(-1)?.sequence, 11);
});

test('opening the same directory twice in one process is refused', async (t) => {
  const dir = await temporaryDir(t);
  const queue = await openDiskQueue({ dir, maxBytes: 1 << 20 });
  await assert.rejects(openDiskQueue({ dir, maxBytes: 1 << 20 }), /already open/);
  await queue.close();
  await (await openDiskQueue({ dir, maxBytes: 1 << 20 })).close();
});

test('acknowledged segments are deleted, the unacknowledged ones stay', async (t) => {
  const dir = await temporaryDir(t);
  const queue = await openDiskQueue({ dir, maxBytes: 1 << 20, segmentBytes: 3 * (HEADER_BYTES + 10) });
  t.after(() => queue.close());
  for (let index = 0; index < 9; index += 1) await queue.append(item(`#${index}`, 10));
  assert.deepEqual(await segmentFiles(dir), [
    '00000000000000000001.seg', '00000000000000000004.seg', '00000000000000000007.seg',
  ]);
  await queue.ack(5);
  assert.deepEqual(await segmentFiles(dir), ['00000000000000000004.seg', '00000000000000000007.seg']);
  await queue.ack(9);
  assert.deepEqual(await segmentFiles(dir), []);
  await queue.append(item('#9', 10));
  assert.deepEqual(await segmentFiles(dir), ['00000000000000000010.seg']);
});

async function flipByte(file: string, position: number): Promise<void> {
  const handle = await open(file, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, position);
  byte[0] ^= 0x01;
  await handle.write(byte, 0, 1, position);
  await handle.close();
}

async function damagedQueueDir(t: { after: (fn: () => Promise<void>) => void }): Promise<{ dir: string; segment: string }> {
  const dir = await temporaryDir(t);
  const queue = await openDiskQueue({ dir, maxBytes: 1 << 20 });
  for (let index = 1; index <= 5; index += 1) await queue.append(item(`record-${index}`, 100));
  await queue.close();
  const [name] = await segmentFiles(dir);
  return { dir, segment: path.join(dir, name) };
}

test('a record torn by a crash mid-write is dropped and the rest recovers', async (t) => {
  const { dir, segment } = await damagedQueueDir(t);
  const recordBytes = HEADER_BYTES + 100;
  await truncate(segment, 4 * recordBytes + 50);

  const queue = await openDiskQueue({ dir, maxBytes: 1 << 20 });
  t.after(() => queue.close());
  assert.deepEqual(texts(await queue.peek(10)), ['record-1', 'record-2', 'record-3', 'record-4']);
  assert.equal(queue.diskStats().discardedBytes, 50);
  assert.equal((await stat(segment)).size, 4 * recordBytes, 'the torn tail is cut off the file');
  await queue.append(item('record-5-again', 100));
  const items = await queue.peek(10);
  assert.deepEqual(items.map((entry) => entry.sequence), [1, 2, 3, 4, 5]);
  assert.equal(texts(items)[4], 'record-5-again');
});

test('a flipped byte drops that record and everything after it in the segment', async (t) => {
  const { dir, segment } = await damagedQueueDir(t);
  const recordBytes = HEADER_BYTES + 100;
  await flipByte(segment, 2 * recordBytes + HEADER_BYTES + 7); // inside the third record's body

  const queue = await openDiskQueue({ dir, maxBytes: 1 << 20 });
  t.after(() => queue.close());
  assert.deepEqual(texts(await queue.peek(10)), ['record-1', 'record-2']);
  assert.equal(queue.diskStats().discardedBytes, 3 * recordBytes);
  assert.equal(queue.stats().queuedItems, 2);
});

test('corruption inside an older segment loses only the rest of that segment', async (t) => {
  const dir = await temporaryDir(t);
  const recordBytes = HEADER_BYTES + 20;
  const options = { dir, maxBytes: 1 << 20, segmentBytes: 3 * recordBytes };
  const queue = await openDiskQueue(options);
  for (let index = 1; index <= 9; index += 1) await queue.append(item(`r${index}`, 20));
  await queue.close();
  await flipByte(path.join(dir, '00000000000000000001.seg'), recordBytes + 3);

  const reopened = await openDiskQueue(options);
  t.after(() => reopened.close());
  const items = await reopened.peek(100);
  assert.deepEqual(items.map((entry) => entry.sequence), [1, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(texts(items), ['r1', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
});

test('a record that goes bad on disk after open is skipped when read, and counted once', async (t) => {
  const dir = await temporaryDir(t);
  const queue = await openDiskQueue({ dir, maxBytes: 1 << 20 });
  t.after(() => queue.close());
  for (const text of ['one', 'two', 'three']) await queue.append(item(text, 50));
  const [name] = await segmentFiles(dir);
  await flipByte(path.join(dir, name), HEADER_BYTES + 50 + HEADER_BYTES + 10);
  assert.deepEqual(texts(await queue.peek(10)), ['one', 'three']);
  assert.deepEqual(texts(await queue.peek(10)), ['one', 'three']);
  assert.equal(queue.diskStats().discardedBytes, HEADER_BYTES + 50);
  await queue.ack(3);
  assert.equal(queue.stats().queuedItems, 0);
});

test('at the byte cap the oldest segments are dropped and counted', async (t) => {
  const dir = await temporaryDir(t);
  const recordBytes = HEADER_BYTES + 68; // 100 bytes a record
  const queue = await openDiskQueue({ dir, maxBytes: 1000, segmentBytes: 200 });
  t.after(() => queue.close());
  for (let index = 0; index < 30; index += 1) await queue.append(item(`n${index}`, 68));

  const stats = queue.stats();
  assert.ok(queue.diskStats().diskBytes <= 1000);
  assert.equal(stats.droppedItems + stats.queuedItems, 30);
  assert.equal(stats.droppedItems, 20, 'ten records fill the cap; the oldest ten segments of two went');
  assert.equal(stats.droppedBytes, 20 * recordBytes);
  const left = await queue.peek(100);
  assert.deepEqual(texts(left), Array.from({ length: 10 }, (_, index) => `n${index + 20}`));
  assert.deepEqual(left.map((entry) => entry.sequence), Array.from({ length: 10 }, (_, index) => index + 21));

  await queue.ack(23); // deletes the segment of 21-22 and half of 23-24
  assert.equal(queue.stats().queuedItems, 7);
  await queue.append(item('n30', 68));
  await queue.append(item('n31', 68));
  assert.equal(queue.stats().droppedItems, 20, 'the acknowledged segment made room; nothing unacked dropped');
  await queue.append(item('n32', 68));
  assert.equal(queue.stats().droppedItems, 21, 'only the unacknowledged half of the dropped segment counts');
  assert.equal(queue.stats().droppedBytes, 21 * recordBytes);
  assert.equal(texts(await queue.peek(1))[0], 'n24');
});

test('an item larger than the whole cap is refused as payload_too_large; others still go in', async (t) => {
  const dir = await temporaryDir(t);
  const queue = await openDiskQueue({ dir, maxBytes: 1000 });
  t.after(() => queue.close());
  const results = await Promise.allSettled([
    queue.append(item('small')), queue.append(item('huge', 2000)), queue.append(item('after')),
  ]);
  assert.equal(results[0].status, 'fulfilled');
  assert.equal(results[2].status, 'fulfilled');
  assert.equal(results[1].status, 'rejected');
  const reason = (results[1] as PromiseRejectedResult).reason as MeshscopeError;
  assert.ok(reason instanceof MeshscopeError);
  assert.equal(reason.kind, 'payload_too_large');
  assert.deepEqual((await queue.peek(10)).map((entry) => [entry.sequence, entry.body.toString()]), [[1, 'small'], [2, 'after']]);
});

test('invalid input is refused without spending a sequence', async (t) => {
  const dir = await temporaryDir(t);
  const queue = await openDiskQueue({ dir, maxBytes: 1 << 20 });
  t.after(() => queue.close());
  await assert.rejects(queue.append({ ...item('x'), itemCount: -3 }), TypeError);
  await assert.rejects(queue.ack(Number.NaN), TypeError);
  await queue.append(item('y'));
  assert.equal((await queue.peek(1))[0].sequence, 1);
  await assert.rejects(openDiskQueue({ dir: path.join(dir, 'other'), maxBytes: 1000, segmentBytes: 2000 }), RangeError);
});

test('whenNonEmpty waits for an append, resolves at once when items are queued, and on close', async (t) => {
  const dir = await temporaryDir(t);
  const queue = await openDiskQueue({ dir, maxBytes: 1 << 20 });
  let woken = false;
  const waiting = queue.whenNonEmpty().then(() => {
    woken = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(woken, false);
  await queue.append(item('wake'));
  await waiting;
  assert.equal(woken, true);
  await queue.whenNonEmpty(); // queued: resolves at once

  await queue.ack(1);
  const onClose = queue.whenNonEmpty();
  await queue.close();
  await onClose;
});

test('concurrent appends share one write and fdatasync (group commit) and all are durable', async (t) => {
  const dir = await temporaryDir(t);
  const queue = await openDiskQueue({ dir, maxBytes: 64 << 20 });
  await Promise.all(Array.from({ length: 200 }, (_, index) => queue.append(item(`c${index}`, 1000))));
  assert.equal(queue.diskStats().commits, 1);
  await queue.close();

  const reopened = await openDiskQueue({ dir, maxBytes: 64 << 20 });
  t.after(() => reopened.close());
  const items = await reopened.peek(1000);
  assert.deepEqual(texts(items), Array.from({ length: 200 }, (_, index) => `c${index}`));
});

test('appends made before close are committed by close', async (t) => {
  const dir = await temporaryDir(t);
  const queue = await openDiskQueue({ dir, maxBytes: 1 << 20 });
  const appends = [queue.append(item('x')), queue.append(item('y'))];
  await queue.close();
  await Promise.all(appends);
  const reopened = await openDiskQueue({ dir, maxBytes: 1 << 20 });
  t.after(() => reopened.close());
  assert.deepEqual(texts(await reopened.peek(10)), ['x', 'y']);
});

test('throughput of 5 KB appends (printed, not asserted)', async (t) => {
  const dir = await temporaryDir(t);
  const queue: DiskQueue = await openDiskQueue({ dir, maxBytes: 512 << 20 });
  t.after(() => queue.close());
  const body = Buffer.alloc(5 * 1024, 'x');
  for (const concurrency of [1, 64]) {
    const before = queue.diskStats().commits;
    const started = performance.now();
    let appended = 0;
    const worker = async (): Promise<void> => {
      while (performance.now() - started < 1000) {
        await queue.append({ signal: 'traces', body, contentType: 'application/x-protobuf', itemCount: 10 });
        appended += 1;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    const commits = queue.diskStats().commits - before;
    t.diagnostic(`${concurrency} in flight: ${Math.round(appended / seconds)} appends/s of 5 KB, ` +
      `${Math.round(commits / seconds)} fdatasyncs/s`);
    assert.ok(appended > 0);
  }
});
