// Run by disk-queue-crash.test.ts, which kills it with SIGKILL at a random moment. It appends and
// acknowledges as fast as it can and prints each step only after the queue has resolved it, so every
// printed line is a promise the queue must keep. Writes to a pipe are synchronous on Linux, so a printed
// line reaches the parent even when the kill comes right after.
//
// usage: node disk-queue-crash-child.js <dir> <round>

import type { ForwardItem } from './durable-queue.js';
import { openDiskQueue } from './disk-queue.js';

const APPENDERS = 8;

/** Deterministic from (round, index), so the test can rebuild and compare every byte. */
export function crashTestItem(round: number, index: number): ForwardItem {
  const id = `${round}:${index}:`;
  // Mostly a few KB, sometimes 200 KB: big writes are where a kill can leave a torn record.
  const length = index % 50 === 49 ? 200_000 : 100 + ((index * 7919 + round * 104_729) % 8000);
  const body = Buffer.alloc(Math.max(length, id.length), String.fromCharCode(97 + (index % 26)));
  body.write(id);
  return { signal: 'traces', body, contentType: 'application/x-protobuf', itemCount: index };
}

/** Round and index of an item made by crashTestItem. */
export function crashTestId(body: Buffer): [number, number] {
  const [round, index] = body.subarray(0, 40).toString('latin1').split(':');
  return [Number(round), Number(index)];
}

async function main(dir: string, round: number): Promise<void> {
  const queue = await openDiskQueue({ dir, maxBytes: 1 << 30, segmentBytes: 256 * 1024 });
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  say('ready');
  let nextIndex = 0;
  const appendForever = async (): Promise<void> => {
    for (;;) {
      const index = nextIndex;
      nextIndex += 1;
      await queue.append(crashTestItem(round, index));
      say(`appended ${round} ${index}`);
    }
  };
  const acknowledgeForever = async (): Promise<void> => {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 3));
      const items = await queue.peek(4);
      const last = items.at(-1);
      if (!last) continue;
      const id = crashTestId(last.body).join(' ');
      say(`ack-start ${id}`);
      await queue.ack(last.sequence);
      say(`ack-done ${id}`);
    }
  };
  await Promise.all([...Array.from({ length: APPENDERS }, appendForever), acknowledgeForever()]);
}

if (process.argv[1]?.endsWith('disk-queue-crash-child.js')) {
  void main(process.argv[2], Number(process.argv[3]));
}
