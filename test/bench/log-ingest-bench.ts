// `node dist/test/bench/log-ingest-bench.js`: OTLP/HTTP protobuf log ingest throughput, end to end.
//
// Realistic batches (1,000 log records per request from 5 services, bodies of 15-25 words, mixed
// severities, 3-5 attributes, a third of the lines inside a trace) are recorded with the OpenTelemetry
// logs SDK and serialized with its own protobuf serializer, then replayed with times moved to the
// present, fresh trace ids and a unique token in one body per request, over 8 keep-alive connections
// (BENCH_LOG_REQUESTS requests, default 500 = 500k lines). Throughput counts from the first request
// until the last request's token is found by `GET /api/logs?query=<token>`, i.e. stored and searchable.
// The same load against a bare Node HTTP sink in the same run gives the ratio; the hub's peak RSS and
// CPU time per thread come from /proc.
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { context, trace, type Context } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { startHub } from '../e2e/harness.js';
import { CONNECTIONS, bareSink, formatRate, hrTimeToNs, offsetsOf, peakRssMiB, replay, storageLabel } from './load.js';
import { seededRandom } from '../fixtures/seeded-random.js';

const LINES_PER_REQUEST = 1000;
const LINES_PER_TRACE = 3;
const TOTAL_REQUESTS = Number(process.env.BENCH_LOG_REQUESTS ?? 500);
const TEMPLATES = 8;
const SERVICES = ['frontend', 'cart', 'checkout', 'payments', 'inventory'];
/** Fixed-length body word replaced per request by a unique token of the same length. */
const TOKEN_PLACEHOLDER = 'benchtok' + 'z'.repeat(16);
/** Protobuf tags of LogRecord.time_unix_nano (field 1) and observed_time_unix_nano (field 11), both fixed64. */
const TIME_TAGS = new Set([(1 << 3) | 1, (11 << 3) | 1]);
/** Protobuf tag of LogRecord.trace_id (field 9, length-delimited). */
const TRACE_ID_TAG = (9 << 3) | 2;
const NS_PER_MS = 1_000_000n;

const VOCABULARY = (
  'request order cart payment user session token cache database query connection pool timeout retry ' +
  'upstream downstream service handler worker queue message batch item inventory stock price invoice ' +
  'customer account address shipping warehouse checkout card gateway response latency slow fast ' +
  'completed started failed accepted rejected created updated deleted loaded saved sent received ' +
  'processing validated authorized declined expired refreshed evicted scheduled skipped throttled ' +
  'for with from after before during while because of the a to in on at by id total count ms bytes ' +
  'status code header body route endpoint client server region zone node pod container replica shard ' +
  'lock transaction commit rollback index table row column migration config feature flag experiment ' +
  'webhook event stream topic partition offset consumer producer snapshot backup disk memory cpu'
).split(' ');

const SEVERITIES: Array<{ number: SeverityNumber; text: string; weight: number }> = [
  { number: SeverityNumber.DEBUG, text: 'DEBUG', weight: 20 },
  { number: SeverityNumber.INFO, text: 'INFO', weight: 60 },
  { number: SeverityNumber.WARN, text: 'WARN', weight: 12 },
  { number: SeverityNumber.ERROR, text: 'ERROR', weight: 7 },
  { number: SeverityNumber.FATAL, text: 'FATAL', weight: 1 },
];

interface Template {
  bytes: Buffer;
  /** Byte offset of the placeholder token in one record's body. */
  tokenOffset: number;
  /** Byte offsets of every trace id occurrence, grouped by trace. */
  traceIdOffsets: number[][];
  /** Byte offsets of every record time and observed time (fixed64 nanoseconds, little-endian). */
  timeOffsets: number[];
  /** When the template's records were made, so replays can move them to the present. */
  recordedAtNs: bigint;
}

function pickSeverity(random: () => number): (typeof SEVERITIES)[number] {
  let roll = random() * 100;
  for (const severity of SEVERITIES) {
    roll -= severity.weight;
    if (roll < 0) return severity;
  }
  return SEVERITIES[1]!;
}

function sentence(random: () => number): string {
  const length = 15 + Math.floor(random() * 11);
  return Array.from({ length }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]!).join(' ');
}

function attributesFor(random: () => number, service: string, line: number): Record<string, string | number | boolean> {
  const all: Record<string, string | number | boolean> = {
    'code.function': `${service}.handle${['Request', 'Message', 'Retry', 'Commit'][line % 4]}`,
    'thread.name': `worker-${line % 16}`,
    'http.route': `/api/${service}/items/{id}`,
    'app.user.id': `u-${Math.floor(random() * 100_000)}`,
    'app.duration_ms': Math.round(random() * 2000) / 10,
  };
  const count = 3 + Math.floor(random() * 3);
  return Object.fromEntries(Object.entries(all).slice(0, count));
}

function recordLogs(seed: number, startMs: number): ReadableLogRecord[] {
  const random = seededRandom(seed);
  const recorder = new InMemoryLogRecordExporter();
  const loggers = SERVICES.map((service) =>
    new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'service.version': '2.3.1', 'host.name': `${service}-7d9f`, 'k8s.namespace.name': 'shop' }),
      processors: [new SimpleLogRecordProcessor({ exporter: recorder })],
    }).getLogger('bench'),
  );
  let traceContext: Context | undefined;
  for (let line = 0; line < LINES_PER_REQUEST; line++) {
    const service = Math.floor(random() * SERVICES.length);
    const severity = pickSeverity(random);
    // A third of the lines: runs of LINES_PER_TRACE lines share one trace.
    const inTrace = line % 3 === 0;
    if (inTrace && line % (3 * LINES_PER_TRACE) === 0) {
      traceContext = trace.setSpanContext(context.active(), { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: 1 });
    }
    const timestamp = startMs + line * 3;
    loggers[service]!.emit({
      timestamp,
      observedTimestamp: timestamp + 2,
      severityNumber: severity.number,
      severityText: severity.text,
      body: line === 0 ? `${sentence(random)} ${TOKEN_PLACEHOLDER}` : sentence(random),
      attributes: attributesFor(random, SERVICES[service]!, line),
      context: inTrace ? traceContext : undefined,
    });
  }
  return recorder.getFinishedLogRecords();
}

function buildTemplate(index: number): Template {
  const recordedAtNs = BigInt(Date.now()) * NS_PER_MS;
  const records = recordLogs(index + 1, Date.now() - 5000);
  const bytes = Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!);
  const tokenOffsets = offsetsOf(bytes, Buffer.from(TOKEN_PLACEHOLDER));
  if (tokenOffsets.length !== 1) throw new Error(`expected one token placeholder, found ${tokenOffsets.length}`);
  const traceIds = [...new Set(records.flatMap((record) => (record.spanContext ? [record.spanContext.traceId] : [])))];
  const traceIdOffsets = traceIds.map((id) => taggedOffsetsOf(bytes, Buffer.from(id, 'hex'), new Set([TRACE_ID_TAG]), 2));
  const times = new Set(records.flatMap((record) => [hrTimeToNs(record.hrTime), hrTimeToNs(record.hrTimeObserved)]));
  const timeOffsets = [...times].flatMap((ns) => {
    const encoded = Buffer.alloc(8);
    encoded.writeBigUInt64LE(ns);
    return taggedOffsetsOf(bytes, encoded, TIME_TAGS, 1);
  });
  if (timeOffsets.length !== 2 * records.length) throw new Error(`found ${timeOffsets.length} time fields for ${records.length} records`);
  return { bytes, tokenOffset: tokenOffsets[0]!, traceIdOffsets, timeOffsets, recordedAtNs };
}

/** Offsets of the needle where it is a field's value: preceded by one of the tags (and a length byte if tagGap is 2). */
function taggedOffsetsOf(haystack: Buffer, needle: Buffer, tags: Set<number>, tagGap: 1 | 2): number[] {
  return offsetsOf(haystack, needle).filter((at) => at >= tagGap && tags.has(haystack[at - tagGap]!) && (tagGap === 1 || haystack[at - 1] === needle.length));
}

/**
 * A copy of the template with times moved to the present, a fresh id for every trace and a unique
 * token in place of the placeholder, as live traffic would be; returns the token.
 */
function freshRequest(template: Template, index: number, runId: string): { body: Buffer; token: string } {
  const body = Buffer.from(template.bytes);
  const shiftNs = BigInt(Date.now()) * NS_PER_MS - template.recordedAtNs;
  for (const offset of template.timeOffsets) body.writeBigUInt64LE(body.readBigUInt64LE(offset) + shiftNs, offset);
  for (const offsets of template.traceIdOffsets) {
    const id = randomBytes(16);
    for (const offset of offsets) id.copy(body, offset);
  }
  const token = `benchtok${runId}${index.toString(16).padStart(8, '0')}`;
  body.write(token, template.tokenOffset, 'latin1');
  return { body, token };
}

/** Replays fresh copies of the templates; also returns the last request's token. */
async function runLoad(url: string, templates: Template[]): Promise<{ seconds: number; lastToken: string; startedAt: number }> {
  // Eight hex characters, so the token keeps the placeholder's length.
  const runId = randomBytes(4).toString('hex');
  let lastToken = '';
  const run = await replay(url, TOTAL_REQUESTS, (index) => {
    const request = freshRequest(templates[index % templates.length]!, index, runId);
    if (index === TOTAL_REQUESTS - 1) lastToken = request.token;
    return request.body;
  });
  return { ...run, lastToken };
}

/** Polls the log search until the token's line comes back; returns when it did. */
async function waitSearchable(queryUrl: string, token: string, sinceMs: number): Promise<number> {
  const url = `${queryUrl}/api/logs?query=${token}&start=${Math.floor(sinceMs) - 60_000}&limit=10`;
  for (;;) {
    const response = await fetch(url);
    const text = await response.text();
    if (response.status !== 200) throw new Error(`log search answered ${response.status}: ${text}`);
    const lines = (JSON.parse(text) as { data: Array<{ body: string }> }).data;
    if (lines.some((line) => line.body.includes(token))) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Log records the hub's OTLP/HTTP receiver accepted, from its own metrics (a 200 may carry partial_success). */
async function acceptedLogRecords(queryUrl: string): Promise<number> {
  const text = await (await fetch(`${queryUrl}/metrics`)).text();
  const match = /meshscope_receiver_accepted_items_total\{receiver="otlp",transport="http",signal="log_records"\} (\d+)/.exec(text);
  return match ? Number(match[1]) : 0;
}

/**
 * CPU seconds (user + system) of a process's main thread, its busiest other thread and the rest. Node
 * names every thread "node", so threads are told apart by id; the busiest other thread under log
 * ingest is the storage writer's worker (confirmed with --cpu-prof, which profiles each thread).
 */
function cpuSecondsByThread(pid: number): { main: number; busiestOther: number; rest: number } {
  const ticksPerSecond = 100; // USER_HZ on Linux
  const others: number[] = [];
  let main = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the ')' start at field 3 (state); utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    if (tid === String(pid)) main = seconds;
    else others.push(seconds);
  }
  others.sort((a, b) => b - a);
  return { main, busiestOther: others[0] ?? 0, rest: others.slice(1).reduce((sum, seconds) => sum + seconds, 0) };
}

async function main(): Promise<void> {
  console.log(`building ${TEMPLATES} request templates with the SDK serializer...`);
  const templates = Array.from({ length: TEMPLATES }, (_, index) => buildTemplate(index));
  const totalLines = TOTAL_REQUESTS * LINES_PER_REQUEST;
  console.log(`request size ${(templates[0]!.bytes.length / 1024).toFixed(0)} KiB, ${TOTAL_REQUESTS} requests, ${totalLines} log lines, ${CONNECTIONS} connections`);

  const sink = await bareSink('/v1/logs');
  const sinkRun = await runLoad(sink.url, templates);
  sink.close();
  const sinkRate = totalLines / sinkRun.seconds;

  const hub = await startHub();
  try {
    const hubRun = await runLoad(`${hub.otlpHttpUrl}/v1/logs`, templates);
    const searchable = await waitSearchable(hub.queryUrl, hubRun.lastToken, hubRun.startedAt + performance.timeOrigin);
    const seconds = (searchable - hubRun.startedAt) / 1000;
    const hubRate = totalLines / seconds;
    const accepted = await acceptedLogRecords(hub.queryUrl);
    if (accepted !== totalLines) throw new Error(`hub accepted ${accepted} of ${totalLines} log records`);
    const rss = peakRssMiB(hub.process.pid!);
    const threads = cpuSecondsByThread(hub.process.pid!);
    console.log('');
    console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    console.log(`bare HTTP sink:      ${formatRate(sinkRate)} lines/s (${sinkRun.seconds.toFixed(2)} s)`);
    console.log(`meshscope (${storageLabel()}):  ${formatRate(hubRate)} lines/s stored and searchable (${seconds.toFixed(2)} s; all acks after ${hubRun.seconds.toFixed(2)} s)`);
    console.log(`ratio hub/sink:      ${(hubRate / sinkRate).toFixed(3)}`);
    console.log(`hub peak RSS:        ${rss.toFixed(0)} MiB`);
    console.log(`hub CPU:             main thread ${threads.main.toFixed(1)} s, busiest other thread (writer) ${threads.busiestOther.toFixed(1)} s, other threads ${threads.rest.toFixed(1)} s`);
  } finally {
    await hub.stop({ removeData: true });
  }
}


await main();
