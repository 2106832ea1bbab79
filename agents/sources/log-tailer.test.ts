import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { findStringAttribute } from '../../collector/model/attributes.js';
import type { LogRecord, Resource } from '../../collector/model/model.js';
import { LogTailer } from './log-tailer.js';
import type { LogTailerOptions } from './log-tailer.js';

const RESOURCE: Resource = {
  attributes: [
    { key: 'service.name', value: { type: 'string', value: 'checkout' } },
    { key: 'k8s.pod.name', value: { type: 'string', value: 'checkout-7d9' } },
  ],
  droppedAttributesCount: 0,
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshscope-tail-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Harness {
  tailer: LogTailer;
  records: LogRecord[];
  bodies: () => string[];
}

async function startTailer(dir: string, options: Partial<LogTailerOptions> = {}): Promise<Harness> {
  const records: LogRecord[] = [];
  const tailer = new LogTailer({
    patterns: [path.join(dir, '*.log')],
    positionsFile: path.join(dir, 'positions.json'),
    resource: RESOURCE,
    pollIntervalMs: 20,
    flushIdleMs: 80,
    rotateWaitMs: 80,
    onBatch: async (logs) => {
      records.push(...logs);
    },
    onError: () => undefined,
    ...options,
  });
  cleanups.push(() => tailer.stop());
  await tailer.start();
  return { tailer, records, bodies: () => records.map(bodyOf) };
}

function bodyOf(record: LogRecord): string {
  assert.equal(record.body?.type, 'string');
  return record.body.value as string;
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets a few polls pass, to show that nothing more arrives. */
function settle(ms = 250): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test('JSON, logfmt and plain lines become records with file attributes and the agent resource', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'app.log');
  writeFileSync(
    file,
    [
      '{"time":"2024-05-01T10:20:30Z","level":"info","msg":"started","port":8080}',
      'level=warn msg="slow query" duration_ms=1200',
      'ERROR connection refused',
      '',
    ].join('\n'),
  );
  const startedMs = Date.now();
  const { records } = await startTailer(dir);
  await waitFor('three records', () => records.length === 3);
  const observedMs = Number(records[0]!.observedTimeUnixNano / 1_000_000n);

  const [json, logfmt, plain] = records as [LogRecord, LogRecord, LogRecord];
  assert.equal(bodyOf(json), 'started');
  assert.equal(json.severityNumber, 9);
  assert.equal(json.timeUnixNano, 1714558830000000000n);
  assert.ok(observedMs >= startedMs && observedMs <= Date.now(), 'observed while read');
  assert.equal(findStringAttribute(json.attributes, 'port'), '8080');
  assert.equal(findStringAttribute(json.attributes, 'log.file.path'), file);
  assert.equal(findStringAttribute(json.attributes, 'log.file.name'), 'app.log');
  assert.equal(json.serviceName, 'checkout');
  assert.equal(findStringAttribute(json.resource.attributes, 'k8s.pod.name'), 'checkout-7d9');

  assert.equal(bodyOf(logfmt), 'slow query');
  assert.equal(logfmt.severityNumber, 13);
  assert.equal(findStringAttribute(logfmt.attributes, 'duration_ms'), '1200');

  assert.equal(bodyOf(plain), 'ERROR connection refused');
  assert.equal(plain.severityNumber, 17);
  assert.equal(plain.timeUnixNano, 0n);
});

test('Java and Node stack traces are joined to their record; the last one goes out after the idle timeout', async () => {
  const dir = tempDir();
  const javaTrace = [
    'ERROR Request failed',
    'java.lang.IllegalStateException: boom',
    '\tat com.example.Handler.handle(Handler.java:42)',
    'Caused by: java.io.IOException: closed',
    '\t... 12 more',
  ];
  const nodeTrace = ['Error: nope', '    at main (/app/index.js:3:9)', '    at node:internal/main:1:1'];
  writeFileSync(path.join(dir, 'app.log'), [...javaTrace, 'INFO next request ok', ...nodeTrace, ''].join('\n'));
  const { bodies } = await startTailer(dir);

  // The second line does not look like a continuation, so it starts a record of its own.
  await waitFor('four records', () => bodies().length === 4);
  assert.deepEqual(bodies(), [
    'ERROR Request failed',
    javaTrace.slice(1).join('\n'),
    'INFO next request ok',
    nodeTrace.join('\n'),
  ]);
});

test('multilineStartPattern: lines not starting a record are joined to the previous one', async () => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'app.log'),
    ['2024-05-01 first', 'detail a', 'detail b', '2024-05-01 second', ''].join('\n'),
  );
  const { bodies } = await startTailer(dir, { multilineStartPattern: /^\d{4}-\d{2}-\d{2} / });
  await waitFor('two records', () => bodies().length === 2);
  assert.deepEqual(bodies(), ['2024-05-01 first\ndetail a\ndetail b', '2024-05-01 second']);
});

test('a line longer than maxLineBytes is cut, and the next line is read normally', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'app.log'), `${'x'.repeat(300)}\nshort\n`);
  const { bodies, tailer } = await startTailer(dir, { maxLineBytes: 100 });
  await waitFor('two records', () => bodies().length === 2);
  assert.deepEqual(bodies(), ['x'.repeat(100), 'short']);
  assert.equal(tailer.stats().truncatedLines, 1);
});

test('rotation by rename: the old file is read to its end, late writes included, and the new one from 0', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'app.log');
  writeFileSync(file, 'INFO one\n');
  const { bodies } = await startTailer(dir, { patterns: [file] });
  await waitFor('first line', () => bodies().length === 1);

  appendFileSync(file, 'INFO two (unread at rotation)\n');
  renameSync(file, path.join(dir, 'app.log.1'));
  writeFileSync(file, 'INFO three (new file)\n');
  // A writer that still holds the old descriptor writes once more.
  appendFileSync(path.join(dir, 'app.log.1'), 'INFO four (late write)\n');

  await waitFor('four lines', () => bodies().length === 4);
  await settle();
  assert.deepEqual([...bodies()].sort(), [
    'INFO four (late write)',
    'INFO one',
    'INFO three (new file)',
    'INFO two (unread at rotation)',
  ]);
  const oldFile = bodies().filter((body) => !body.includes('new file'));
  assert.deepEqual(oldFile, ['INFO one', 'INFO two (unread at rotation)', 'INFO four (late write)']);
});

test('truncation: a file that shrank, or was rewritten in place, is read again from the start', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'app.log');
  writeFileSync(file, 'INFO first line of the original content\nINFO second line of the original content\n');
  let truncate: (() => void) | undefined;
  const records: string[] = [];
  const { tailer } = await startTailer(dir, {
    pollIntervalMs: 150,
    onBatch: async (logs) => {
      records.push(...logs.map(bodyOf));
      // Runs between two polls, so the tailer sees the result of both writes at once.
      truncate?.();
      truncate = undefined;
    },
  });
  await waitFor('original lines', () => records.length === 2);

  truncate = () => {
    truncateSync(file, 0);
    writeFileSync(file, 'WARN shorter\n');
  };
  appendFileSync(file, 'INFO third\n');
  await waitFor('shorter line', () => records.includes('WARN shorter'));

  // copytruncate where the new content is already longer than the old position: caught by the first bytes.
  truncate = () => {
    truncateSync(file, 0);
    writeFileSync(file, `ERROR rewritten ${'y'.repeat(40)}\nINFO more\n`);
  };
  appendFileSync(file, 'INFO fourth\n');
  await waitFor('rewritten lines', () => records.includes('INFO more'));
  await settle(400);
  assert.deepEqual(records, [
    'INFO first line of the original content',
    'INFO second line of the original content',
    'INFO third',
    'WARN shorter',
    'INFO fourth',
    `ERROR rewritten ${'y'.repeat(40)}`,
    'INFO more',
  ]);
  assert.equal(tailer.stats().fileTruncations, 2);
});

test('a restart resumes from the saved position: nothing repeated, nothing lost, partial lines completed', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'app.log');
  writeFileSync(file, 'INFO a\nINFO b\n');
  const first = await startTailer(dir);
  await waitFor('two lines', () => first.records.length === 2);
  appendFileSync(file, 'INFO c\nINFO half');
  await waitFor('third line', () => first.records.length === 3);
  await first.tailer.stop();
  assert.deepEqual(first.bodies(), ['INFO a', 'INFO b', 'INFO c']);

  appendFileSync(file, ' done\nINFO d\n');
  const saved = JSON.parse(readFileSync(path.join(dir, 'positions.json'), 'utf8')) as { files: { offset: number }[] };
  assert.equal(saved.files[0]?.offset, 'INFO a\nINFO b\nINFO c\n'.length);

  const second = await startTailer(dir);
  await waitFor('resumed lines', () => second.records.length === 2);
  await settle();
  assert.deepEqual(second.bodies(), ['INFO half done', 'INFO d']);
});

test('startAt end skips what files held at the very first start, but not what is written later', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'app.log');
  writeFileSync(file, 'INFO old\n');
  const { bodies } = await startTailer(dir, { startAt: 'end' });
  await settle(100);
  appendFileSync(file, 'INFO new\n');
  writeFileSync(path.join(dir, 'other.log'), 'INFO other\n');
  await waitFor('new lines', () => bodies().length === 2);
  assert.deepEqual([...bodies()].sort(), ['INFO new', 'INFO other']);
});

test('a rejected batch leaves the position where it was and is retried with the same records', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'app.log');
  writeFileSync(file, 'INFO a\nINFO b\n');
  const positionsFile = path.join(dir, 'positions.json');

  // A sink that is down: nothing may be recorded as sent, even across a restart.
  let attempts = 0;
  const down = await startTailer(dir, {
    onBatch: async () => {
      attempts++;
      throw new Error('queue full');
    },
  });
  await waitFor('retries', () => attempts >= 3);
  await down.tailer.stop();
  assert.ok(down.tailer.stats().failedBatches >= 3);
  const saved = JSON.parse(readFileSync(positionsFile, 'utf8')) as { files: { offset: number }[] };
  assert.equal(saved.files[0]?.offset, 0);

  // A sink that fails once, then recovers: every record arrives exactly once, in order.
  let failures = 0;
  const delivered: string[] = [];
  appendFileSync(file, 'INFO c\n');
  await startTailer(dir, {
    onBatch: async (logs) => {
      if (failures++ === 0) throw new Error('collector unavailable');
      delivered.push(...logs.map(bodyOf));
    },
  });
  await waitFor('delivery after the failure', () => delivered.length === 3);
  appendFileSync(file, 'INFO d\n');
  await waitFor('the next line', () => delivered.length === 4);
  await settle();
  assert.deepEqual(delivered, ['INFO a', 'INFO b', 'INFO c', 'INFO d']);
});
