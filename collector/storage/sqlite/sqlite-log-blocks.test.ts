// The block layout's own edge cases, beyond the shared log search cases (query-api/logs): lines of
// overlapping blocks come out in exact time order, ties by id, and searches stay exact whichever way the
// blocks are found (the word or trace index directly, or the time index when a word is in many blocks).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { LogRecord } from '../../model/model.js';
import type { LogSearch } from '../api.js';
import { MAX_BLOCK_SPAN_NS } from './log-blocks.js';
import { SqliteStorage } from './sqlite-storage.js';
import { emptyBatch, serviceResource } from './test-fixtures.js';

const DAY_START_NS = BigInt(Date.UTC(2026, 10, 25)) * 1_000_000n;
const SECOND_NS = 1_000_000_000n;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
/** More blocks than the reader takes straight from an index, and than one range of the word index. */
const SPREAD_LINES = 4_200;
const SPREAD_SERVICES = 4;

const dataDir = mkdtempSync(join(tmpdir(), 'meshscope-log-blocks-test-'));
let storage: SqliteStorage;

function line(body: string, timeNs: bigint, overrides: Partial<LogRecord> = {}): LogRecord {
  const serviceName = overrides.serviceName ?? 'cart';
  return {
    timeUnixNano: timeNs,
    observedTimeUnixNano: timeNs,
    severityNumber: 9,
    severityText: 'INFO',
    body: { type: 'string', value: body },
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    serviceName,
    resource: serviceResource(serviceName),
    scope: { name: 'app', version: '', attributes: [] },
    ...overrides,
  };
}

/** Interleaved lines: batch b, service s, line i at second 10 + 3i + b (distinct times, overlapping blocks). */
function interleavedBatches(): LogRecord[][] {
  return [0, 1, 2].map((b) =>
    ['cart', 'payments'].flatMap((serviceName, s) =>
      Array.from({ length: 5 }, (_, i) => {
        const second = BigInt(10 + 3 * i + b) + BigInt(s) * 100n;
        return line(`overlap b${b} s${s} i${i}`, DAY_START_NS + second * SECOND_NS, { serviceName });
      }),
    ),
  );
}

/**
 * One line per block, all in one day: services take turns, each one's lines further apart than a block
 * may span.
 */
function spreadLines(): LogRecord[] {
  const stepNs = MAX_BLOCK_SPAN_NS + SECOND_NS;
  return Array.from({ length: SPREAD_LINES }, (_, i) =>
    line(`spread common n${i}${i === 1234 ? ' rareword' : ''}`, DAY_START_NS + 3_600n * SECOND_NS + BigInt(Math.floor(i / SPREAD_SERVICES)) * stepNs + BigInt(i % SPREAD_SERVICES) * SECOND_NS, {
      serviceName: `spread${i % SPREAD_SERVICES}`,
      traceId: i % 700 === 0 ? TRACE_ID : '',
      spanId: i % 700 === 0 ? '00f067aa0ba902b7' : '',
    }),
  );
}

before(async () => {
  storage = new SqliteStorage({ dataDir });
  await storage.start();
  for (const logs of interleavedBatches()) await storage.writer.write({ ...emptyBatch(), logs });
  await storage.writer.write({ ...emptyBatch(), logs: spreadLines() });
  // Equal times in two batches, and severities only a text or an out-of-range number carries.
  const tieNs = DAY_START_NS + 500n * SECOND_NS;
  await storage.writer.write({ ...emptyBatch(), logs: [line('tie first', tieNs, { serviceName: 'tie' })] });
  await storage.writer.write({
    ...emptyBatch(),
    logs: [
      line('tie second', tieNs, { serviceName: 'tie' }),
      line('text only error', tieNs + SECOND_NS, { serviceName: 'sev', severityNumber: 0, severityText: 'Error' }),
      line('number beyond fatal', tieNs + 2n * SECOND_NS, { serviceName: 'sev2', severityNumber: 30, severityText: '' }),
      line('Zone, ÜBER-pod;\ncontainer', tieNs + 3n * SECOND_NS, { serviceName: 'phrase' }),
      line('zone über', tieNs + 4n * SECOND_NS, { serviceName: 'phrase' }),
      line('pod container zoned', tieNs + 5n * SECOND_NS, { serviceName: 'phrase' }),
    ],
  });
});

after(async () => {
  await storage.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

function search(text: string, overrides: Partial<LogSearch> = {}): LogSearch {
  const terms = text.split(' ').filter((word) => word !== '');
  return {
    query: terms.length === 0 ? null : { type: 'and', children: terms.map((word) => ({ type: 'text', text: word, prefix: false })) },
    startUnixNano: DAY_START_NS,
    endUnixNano: DAY_START_NS + 3n * 86_400n * SECOND_NS,
    limit: 1_000,
    direction: 'backward',
    ...overrides,
  };
}

async function bodies(request: LogSearch): Promise<string[]> {
  return (await storage.logs.searchLogs(request)).map((found) => String(found.body?.value));
}

test('lines of overlapping blocks come out in exact time order, in both directions, at every limit', async () => {
  const all = interleavedBatches().flat();
  all.sort((a, b) => Number(a.timeUnixNano - b.timeUnixNano));
  const oldestFirst = all.map((record) => String(record.body?.value));
  for (const limit of [1, 4, 7, 30]) {
    assert.deepEqual(await bodies(search('overlap', { limit, direction: 'forward' })), oldestFirst.slice(0, limit));
    assert.deepEqual(await bodies(search('overlap', { limit })), [...oldestFirst].reverse().slice(0, limit));
  }
});

test('equal times go by id: the line written later has the larger id', async () => {
  const forward = await storage.logs.searchLogs(search('tie', { direction: 'forward' }));
  assert.deepEqual(forward.map((found) => found.body?.value), ['tie first', 'tie second']);
  assert.deepEqual((await bodies(search('tie'))), ['tie second', 'tie first']);
  const context = await storage.logs.getLogContext({ id: forward[1].id, before: 5, after: 5 });
  assert.deepEqual(context.map((found) => found.body?.value), ['tie first', 'tie second']);
});

test('a word in more blocks than the direct limit still finds the newest and oldest lines exactly', async () => {
  const newest = await bodies(search('spread common', { limit: 3 }));
  assert.deepEqual(newest, [4199, 4198, 4197].map((i) => `spread common n${i}`));
  const oldest = await bodies(search('common', { limit: 2, direction: 'forward' }));
  assert.deepEqual(oldest, ['spread common n0', 'spread common n1']);
  assert.deepEqual(await bodies(search('rareword')), ['spread common n1234 rareword']);
  assert.equal((await bodies(search('spread'))).length, 1_000);
});

test("a trace's lines come from the trace index across blocks, earliest first", async () => {
  const lines = await storage.logs.getTraceLogs(TRACE_ID, 10);
  assert.deepEqual(lines.map((found) => found.body?.value), [0, 700, 1400, 2100, 2800, 3500].map((i) => `spread common n${i}`));
  assert.deepEqual((await storage.logs.getTraceLogs(TRACE_ID, 2)).length, 2);
});

test('the severity prefilter keeps blocks whose lines match by text or by an out-of-range number', async () => {
  const severity = (op: '=' | '>=', level: string): LogSearch =>
    search('', { query: { type: 'severity', op, level } });
  assert.deepEqual(await bodies(severity('=', 'error')), ['text only error']);
  assert.deepEqual(await bodies(severity('>=', 'error')), ['number beyond fatal', 'text only error']);
  assert.equal((await bodies(severity('=', 'fatal'))).length, 0);
});

test('context stays within the service across blocks; the anchor is in the middle', async () => {
  const [anchor] = await storage.logs.searchLogs(search('spread n1000'));
  const context = await storage.logs.getLogContext({ id: anchor.id, before: 2, after: 2 });
  assert.deepEqual(
    context.map((found) => found.body?.value),
    [992, 996, 1000, 1004, 1008].map((i) => `spread common n${i}`),
  );
});

test('phrases match across any separators and case, as words; the blocks they rule out hold no match', async () => {
  const phrase = (text: string, prefix = false): LogSearch => search('', { query: { type: 'text', text, prefix } });
  assert.deepEqual(await bodies(phrase('zone über pod container')), ['Zone, ÜBER-pod;\ncontainer']);
  assert.deepEqual(await bodies(phrase('über pod cont', true)), ['Zone, ÜBER-pod;\ncontainer']);
  // The block's joined bodies also hold "zone über" + "pod container" across a line break: no line does.
  assert.deepEqual(await bodies(phrase('zone über pod')), ['Zone, ÜBER-pod;\ncontainer']);
  assert.deepEqual(await bodies(phrase('container zone')), []);
  assert.deepEqual(await bodies(phrase('über pod cont')), []);
});
