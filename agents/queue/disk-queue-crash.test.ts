// kill -9 in the middle of appends and acks, several times over one directory: everything the queue
// confirmed is still there, in order, byte for byte, and nothing it confirmed as acknowledged returns.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDiskQueue } from './disk-queue.js';
import { crashTestId, crashTestItem } from './disk-queue-crash-child.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'disk-queue-crash-child.js');
const ROUNDS = 4;

/** Orders items across rounds the way the queue numbers them: rounds run one after another. */
const ordinal = (round: number, index: number): number => round * 1_000_000 + index;

interface ChildReport {
  appended: number[];
  ackStarted: number;
  ackDone: number;
}

/** Starts the child, kills it with SIGKILL after a random delay, and returns the lines it printed. */
async function runAndKill(dir: string, round: number): Promise<string[]> {
  const child = spawn(process.execPath, [CHILD, dir, String(round)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8');
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (text: string) => {
      output += text;
      if (output.startsWith('ready\n')) resolve();
    });
    child.on('exit', () => reject(new Error(`child exited before ready: ${output}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
  child.kill('SIGKILL');
  await exited;
  // Only whole lines count: each was written with one write() to the pipe.
  return output.split('\n').slice(0, -1);
}

function parse(lines: string[], report: ChildReport): void {
  for (const line of lines) {
    const [kind, round, index] = line.split(' ');
    const value = ordinal(Number(round), Number(index));
    if (kind === 'appended') report.appended.push(value);
    if (kind === 'ack-start') report.ackStarted = Math.max(report.ackStarted, value);
    if (kind === 'ack-done') report.ackDone = Math.max(report.ackDone, value);
  }
}

test('nothing confirmed is lost or corrupted when the process is killed with SIGKILL', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meshscope-crash-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const report: ChildReport = { appended: [], ackStarted: -1, ackDone: -1 };

  for (let round = 0; round < ROUNDS; round += 1) {
    parse(await runAndKill(dir, round), report);
    const queue = await openDiskQueue({ dir, maxBytes: 1 << 30, segmentBytes: 256 * 1024 });
    try {
      const items = await queue.peek(Number.MAX_SAFE_INTEGER);
      assert.equal(queue.stats().queuedItems, items.length);
      const present = items.map((entry) => {
        const [itemRound, index] = crashTestId(entry.body);
        assert.deepEqual(entry, { ...crashTestItem(itemRound, index), sequence: entry.sequence, enqueuedAtMs: entry.enqueuedAtMs },
          `item ${itemRound}:${index} came back intact`);
        return { round: itemRound, index, value: ordinal(itemRound, index), sequence: entry.sequence };
      });

      for (let position = 1; position < present.length; position += 1) {
        const [before, after] = [present[position - 1], present[position]];
        assert.equal(after.sequence, before.sequence + 1, 'sequences have no gaps');
        assert.ok(after.value > before.value, 'items stay in append order');
        if (after.round === before.round) assert.equal(after.index, before.index + 1, 'no item is missing in between');
      }
      const presentValues = new Set(present.map((entry) => entry.value));
      const lost = report.appended.filter((value) => value > report.ackStarted && !presentValues.has(value));
      assert.deepEqual(lost, [], 'every append the queue confirmed and nobody acknowledged is still queued');
      assert.ok(present.every((entry) => entry.value > report.ackDone), 'confirmed acknowledgements hold');
      t.diagnostic(`round ${round}: ${report.appended.length} confirmed appends so far, ${present.length} queued, ` +
        `${queue.diskStats().discardedBytes} torn bytes cut, ${queue.diskStats().segments} segments`);
    } finally {
      await queue.close();
    }
  }
  assert.ok(report.appended.length > 0 && report.ackDone >= 0, 'the child got to append and acknowledge');
});
