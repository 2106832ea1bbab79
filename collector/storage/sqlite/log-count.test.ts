import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AttributeValue, LogRecord } from '../../model/model.js';
import type { LogHistogramQuery, LogQuery } from '../api.js';
import { MemoryStorage } from '../memory-store.js';
import { blockSeverityVerdict, severityBits } from './log-blocks.js';
import { blockVerdict, wordsPattern } from './log-count.js';
import { SqliteStorage } from './sqlite-storage.js';
import { seededRandom } from '../../../test/fixtures/seeded-random.js';
import { emptyBatch, serviceResource } from './test-fixtures.js';

// A differential test: seeded random lines with the forms each part of the count treats apart (bodies
// holding newlines, non-ASCII and upper-case text, map bodies, severities by text or number only,
// escaped severity texts, ids, attributes), written to SQLite and to the in-memory reference store,
// then counted both ways over windows and steps that cut blocks at bucket edges.

const MIDNIGHT_MS = Date.UTC(2026, 10, 26);
const START_MS = MIDNIGHT_MS - 50 * 60_000;
const SPAN_MS = 2 * 3_600_000;
const LINES = 3_000;
const SERVICES = ['frontend', 'cart', 'Checkout', 'payments', 'Überweisung'];
const WORDS = ['request', 'Order', 'cart', 'payment', 'disk', 'full', 'timeout', 'retry', 'ok', 'request-id', 'x42'];
/** Only payments logs non-ASCII words and only cart multi-line bodies, so the others' blocks have neither. */
const PAYMENTS_WORDS = [...WORDS, 'größe', 'ÄRGER'];
/** Severities by number, by text, by both, with an escaped text, out of range, and one JSON writes as 1e+21. */
const SEVERITIES: [number, string][] = [
  [9, 'INFO'], [17, 'ERROR'], [0, 'error'], [0, 'Warning'], [13, ''], [0, ''], [5, 'DEBUG'], [21, 'fatal'], [18, 'ERR"OR\\'], [30, 'odd'], [1e21, 'huge'],
];
const TRACES = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c', ''];

/** The same lines on every run. */
const next = seededRandom(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];

function bodyOf(serviceName: string): AttributeValue | null {
  const roll = next();
  const words = serviceName === 'payments' ? PAYMENTS_WORDS : WORDS;
  const separator = serviceName === 'cart' && next() < 0.05 ? '\n' : ' ';
  const text = Array.from({ length: 1 + Math.floor(next() * 6) }, () => pick(words)).join(separator);
  if (roll < 0.1) {
    // A text that looks like the head of a stored line.
    const head: AttributeValue = { type: 'string', value: '["1","2",3,"x",' };
    return { type: 'map', value: [{ key: 'event', value: { type: 'string', value: text } }, { key: 'head', value: head }] };
  }
  if (roll < 0.12) return null;
  if (roll < 0.14) return { type: 'int', value: 42 };
  return { type: 'string', value: text };
}

function makeLine(timeMs: number): LogRecord {
  const serviceName = pick(SERVICES);
  const [severityNumber, severityText] = pick(SEVERITIES);
  const timeNs = BigInt(Math.floor(timeMs)) * 1_000_000n + BigInt(Math.floor(next() * 1_000_000));
  const traceId = pick(TRACES);
  return {
    timeUnixNano: next() < 0.05 ? 0n : timeNs,
    observedTimeUnixNano: timeNs + 3_000_000n,
    severityNumber,
    severityText,
    body: bodyOf(serviceName),
    attributes: [{ key: 'user.id', value: { type: 'string', value: pick(['u-1', 'u-2', 'U-3']) } }],
    droppedAttributesCount: 0,
    flags: 0,
    traceId,
    spanId: traceId === '' ? '' : pick(['00f067aa0ba902b7', '00000000000000b2']),
    eventName: '',
    serviceName,
    resource: serviceResource(serviceName, { zone: pick(['a', 'b']) }),
    scope: { name: 'test', version: '', attributes: [] },
  };
}

/** Lines in time order, written in batches of a few minutes as a collector would. */
const BATCHES: LogRecord[][] = [];
for (let i = 0; i < LINES; i += 150) {
  BATCHES.push(Array.from({ length: 150 }, (_, j) => makeLine(START_MS + ((i + j) / LINES) * SPAN_MS + next() * 20_000)));
}

const text = (words: string, prefix = false): LogQuery => ({ type: 'text', text: words, prefix });
const field = (name: string, value: string, prefix = false): LogQuery => ({ type: 'field', field: name, value, prefix });
const not = (child: LogQuery): LogQuery => ({ type: 'not', child });
const severity = (op: '=' | '>=' | '>' | '<=' | '<', level: string): LogQuery => ({ type: 'severity', op, level });

/** Each with whether some lines match it (a comparison with an unknown level matches none). */
const QUERIES: [string, LogQuery | null, boolean?][] = [
  ['no query', null],
  ['a word', text('request')],
  ['a word in upper case', text('ORDER')],
  ['a non-ASCII word', text('GRÖßE')],
  ['a non-ASCII word, upper case in the bodies', text('ärger')],
  ['a phrase', text('disk full')],
  ['a phrase across punctuation', text('request id')],
  ['a prefix', text('pay', true)],
  ['a phrase ending in a prefix', text('cart ti', true)],
  ['a map body word', text('event')],
  ['a map body text that looks like a line', text('1 2 3 x')],
  ['an int body', text('42')],
  ['a service', field('service', 'checkout')],
  ['a service prefix', field('service', 'PAY', true)],
  ['a service with a non-ASCII capital, in lower case', field('service', 'überweisung')],
  ['severity = error', severity('=', 'error')],
  ['severity >= warn', severity('>=', 'warn')],
  ['severity < info', severity('<', 'info')],
  ['severity = an unknown level', severity('=', 'odd')],
  ['severity > an unknown level', severity('>', 'odd'), false],
  ['a trace', field('trace_id', TRACES[0])],
  ['a span', field('span_id', '00000000000000B2')],
  ['an attribute', field('user.id', 'u-3')],
  ['a resource attribute', field('zone', 'a')],
  ['and', { type: 'and', children: [text('request'), severity('>=', 'error'), field('user.id', 'u-1')] }],
  ['or', { type: 'or', children: [text('timeout'), field('zone', 'b'), severity('=', 'debug')] }],
  ['not', not(text('retry'))],
  ['nested', { type: 'and', children: [field('service', 'frontend', true), not({ type: 'or', children: [text('ok'), field('trace_id', TRACES[1])] })] }],
];

const WINDOWS: [string, Omit<LogHistogramQuery, 'query'>][] = [
  ['the whole span in 1 s buckets', window(START_MS - 60_000, START_MS + SPAN_MS + 60_000, 1000)],
  ['the whole span in 7 s buckets', window(START_MS, START_MS + SPAN_MS, 7000)],
  [
    'across midnight in 13 min buckets, off whole milliseconds',
    { startUnixNano: ns(MIDNIGHT_MS - 30 * 60_000) + 123n, endUnixNano: ns(MIDNIGHT_MS + 30 * 60_000) - 7n, stepMs: 13 * 60_000 },
  ],
  ['one bucket of a day', window(MIDNIGHT_MS - 86_400_000, MIDNIGHT_MS + 86_400_000, 2 * 86_400_000)],
];

function ns(ms: number): bigint {
  return BigInt(ms) * 1_000_000n;
}

function window(startMs: number, endMs: number, stepMs: number): Omit<LogHistogramQuery, 'query'> {
  return { startUnixNano: ns(startMs), endUnixNano: ns(endMs), stepMs };
}

const memory = new MemoryStorage();
const dataDir = mkdtempSync(join(tmpdir(), 'meshscope-log-count-'));
const sqlite = new SqliteStorage({ dataDir });

before(async () => {
  await memory.start();
  await sqlite.start();
  for (const logs of BATCHES) {
    await memory.writer.write({ ...emptyBatch(), logs: structuredClone(logs) });
    await sqlite.writer.write({ ...emptyBatch(), logs });
  }
});

after(async () => {
  await memory.shutdown();
  await sqlite.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

for (const [queryName, query, matchesSome = true] of QUERIES) {
  test(`SQLite counts like the reference store: ${queryName}`, async () => {
    let matched = 0;
    for (const [windowName, window] of WINDOWS) {
      const expected = await memory.logs.countLogs({ query, ...window });
      assert.deepEqual(await sqlite.logs.countLogs({ query, ...window }), expected, windowName);
      matched += expected.reduce((sum, count) => sum + count, 0);
    }
    // A query matches some lines and misses others, so a count of all or none would fail.
    if (query !== null) assert.ok(matchesSome ? matched > 0 && matched < LINES * WINDOWS.length : matched === 0, `${matched} matched`);
  });
}

test('a block whole in one bucket is counted from its metadata when its service and severities decide', () => {
  const block = { serviceName: 'Checkout', severityMask: severityBits(17, 'ERROR') | severityBits(18, '') };
  assert.equal(blockVerdict(null, block), 'all');
  assert.equal(blockVerdict(field('service', 'checkout'), block), 'all');
  assert.equal(blockVerdict(field('service', 'cart'), block), 'none');
  assert.equal(blockVerdict(severity('>=', 'error'), block), 'all');
  assert.equal(blockVerdict(severity('<', 'error'), block), 'none');
  assert.equal(blockVerdict({ type: 'not', child: field('service', 'cart') }, block), 'all');
  assert.equal(blockVerdict({ type: 'not', child: field('service', 'checkout') }, block), 'none');
  assert.equal(blockVerdict(text('-- ...'), block), 'all');
  assert.equal(blockVerdict({ type: 'and', children: [field('service', 'checkout'), severity('>', 'warn')] }, block), 'all');
  assert.equal(blockVerdict({ type: 'and', children: [field('service', 'checkout'), text('x')] }, block), 'some');
  assert.equal(blockVerdict({ type: 'or', children: [field('service', 'checkout'), text('x')] }, block), 'all');
});

test('a severity mask decides only what each line number settles', () => {
  // A line without a number falls back to its text for comparisons: the mask cannot say.
  assert.equal(blockSeverityVerdict('>=', 'warn', severityBits(17, '') | severityBits(0, 'warn')), 'some');
  // '=' also matches by text, which a number outside the range may carry.
  assert.equal(blockSeverityVerdict('=', 'error', severityBits(9, 'error')), 'some');
  assert.equal(blockSeverityVerdict('=', 'error', severityBits(9, 'info')), 'none');
  assert.equal(blockSeverityVerdict('=', 'notice', severityBits(9, 'notice')), 'some');
  assert.equal(blockSeverityVerdict('>', 'notice', severityBits(9, 'notice')), 'none');
});

test('a words pattern over lines joined by newlines keeps each match within one line', () => {
  const pattern = wordsPattern(['disk', 'full'], false, { ascii: true, lines: true });
  assert.equal(pattern.exec('no disk\nfull here'), null);
  pattern.lastIndex = 0;
  assert.equal(pattern.exec('no disk\nDISK -- Full')?.index, 8);
  const prefix = wordsPattern(['größe'], true, { ascii: false, lines: true });
  assert.equal(prefix.exec('xgrößen\ngrößen')?.index, 8);
});
