// Retention cases of the contract suite, run against every backend with a fresh store per case, so all
// stores drop the same data. The fixture holds every signal on three UTC days (2026-11-24, -25, -26);
// each case drops the oldest day of one signal and checks the others are untouched.
import assert from 'node:assert/strict';
import { SpanKind, type LogRecord, type ServiceGraphEdge, type Span } from '../../collector/model/model.js';
import type { LabelMatcher, LogSearch, RetentionCutoffs, Storage } from '../../collector/storage/api.js';

const DAY_MS = 86_400_000;
/** Midnight starting each fixture day. */
export const DAYS_MS = [Date.UTC(2026, 10, 24), Date.UTC(2026, 10, 25), Date.UTC(2026, 10, 26)] as const;
const NOON_MS = DAY_MS / 2;
const MS_NS = 1_000_000n;

/** Keeps everything: cut-offs at the start of the first fixture day. */
export const KEEP_ALL: RetentionCutoffs = {
  tracesBeforeUnixMs: DAYS_MS[0],
  logsBeforeUnixMs: DAYS_MS[0],
  metricsBeforeUnixMs: DAYS_MS[0],
};

/** Drops the first day of one signal: its cut-off is the end of that day plus an hour (so not a day boundary). */
export function dropFirstDayOf(signal: 'traces' | 'logs' | 'metrics'): RetentionCutoffs {
  const cutoff = DAYS_MS[1] + 3_600_000;
  return {
    ...KEEP_ALL,
    ...(signal === 'traces' ? { tracesBeforeUnixMs: cutoff } : {}),
    ...(signal === 'logs' ? { logsBeforeUnixMs: cutoff } : {}),
    ...(signal === 'metrics' ? { metricsBeforeUnixMs: cutoff } : {}),
  };
}

/** Ids of the fixture's traces, one per day. */
export const TRACE_IDS = ['aa'.repeat(16), 'bb'.repeat(16), 'cc'.repeat(16)] as const;

function span(day: number): Span {
  const startNs = BigInt(DAYS_MS[day] + NOON_MS) * MS_NS;
  const serviceName = 'checkout';
  const resource = { attributes: [{ key: 'service.name', value: { type: 'string' as const, value: serviceName } }], droppedAttributesCount: 0 };
  return {
    traceId: TRACE_IDS[day],
    spanId: `${day + 1}`.repeat(16),
    parentSpanId: '',
    traceState: '',
    name: 'GET /cart',
    kind: SpanKind.SERVER,
    startTimeUnixNano: startNs,
    endTimeUnixNano: startNs + 5n * MS_NS,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    flags: 0,
    shared: false,
    serviceName,
    resource,
    scope: { name: 'test', version: '1', attributes: [] },
  };
}

function log(day: number): LogRecord {
  const timeNs = BigInt(DAYS_MS[day] + NOON_MS) * MS_NS;
  return {
    timeUnixNano: timeNs,
    observedTimeUnixNano: timeNs,
    severityNumber: 9,
    severityText: 'INFO',
    body: { type: 'string', value: `cart updated day${day}` },
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: TRACE_IDS[day],
    spanId: '',
    eventName: '',
    serviceName: 'checkout',
    resource: { attributes: [], droppedAttributesCount: 0 },
    scope: { name: 'logger', version: '1', attributes: [] },
  };
}

function edge(day: number): ServiceGraphEdge {
  return {
    minuteUnixMs: DAYS_MS[day] + NOON_MS,
    client: 'frontend',
    server: 'checkout',
    connectionType: '',
    calls: 1,
    failedCalls: 0,
    serverLatencyBuckets: [1],
    serverLatencySumSeconds: 0.005,
    clientLatencyBuckets: [1],
    clientLatencySumSeconds: 0.006,
  };
}

/** Labels of `requests_total` on every day, and of `old_only` on the first day only. */
const EVERY_DAY = { __name__: 'requests_total', job: 'api' };
const FIRST_DAY_ONLY = { __name__: 'old_only', job: 'api', zone: 'a' };

export async function writeRetentionFixture(storage: Storage): Promise<void> {
  for (const day of [0, 1, 2]) {
    const timestampMs = DAYS_MS[day] + NOON_MS;
    await storage.writer.write({
      spans: [span(day)],
      logs: [log(day)],
      samples: [
        { labels: EVERY_DAY, timestampMs, value: day },
        ...(day === 0 ? [{ labels: FIRST_DAY_ONLY, timestampMs, value: 1 }] : []),
      ],
      metricMetadata: [],
      edges: [edge(day)],
    });
  }
}

const WHOLE_RANGE_MS = [DAYS_MS[0], DAYS_MS[2] + DAY_MS] as const;

export async function traceDaysPresent(storage: Storage): Promise<number[]> {
  const present: number[] = [];
  for (const day of [0, 1, 2]) {
    if ((await storage.traces.getTrace(TRACE_IDS[day])).spans.length > 0) present.push(day);
  }
  return present;
}

export async function logDaysPresent(storage: Storage): Promise<number[]> {
  const search: LogSearch = {
    query: null,
    startUnixNano: BigInt(WHOLE_RANGE_MS[0]) * MS_NS,
    endUnixNano: BigInt(WHOLE_RANGE_MS[1]) * MS_NS,
    limit: 100,
    direction: 'forward',
  };
  const logs = await storage.logs.searchLogs(search);
  return logs.map((line) => Number(/day(\d)/.exec(String(line.body?.type === 'string' ? line.body.value : ''))?.[1]));
}

/** The days (by value, which is the day index) of requests_total's samples. */
export async function metricDaysPresent(storage: Storage): Promise<number[]> {
  const matchers: LabelMatcher[] = [{ name: '__name__', op: '=', value: 'requests_total' }];
  const series = await storage.metrics.select(matchers, WHOLE_RANGE_MS[0], WHOLE_RANGE_MS[1]);
  return series.flatMap((s) => [...s.values]);
}

export async function edgeDaysPresent(storage: Storage): Promise<number[]> {
  const edges = await storage.dependencies.getServiceGraphEdges(WHOLE_RANGE_MS[0], WHOLE_RANGE_MS[1]);
  return edges.map((e) => DAYS_MS.findIndex((start) => e.minuteUnixMs >= start && e.minuteUnixMs < start + DAY_MS));
}

/** Every case, against a store opened afresh by `open` (which the case shuts down). */
export const retentionCases: [string, (open: () => Promise<Storage>) => Promise<void>][] = [
  [
    'a service whose spans have all expired leaves the service and operation lists',
    async (open) => {
      const storage = await open();
      await writeRetentionFixture(storage);
      const gone = { ...span(0), traceId: 'dd'.repeat(16), serviceName: 'legacy-billing', name: 'POST /invoice' };
      await storage.writer.write({ spans: [gone], logs: [], samples: [], metricMetadata: [], edges: [] });
      assert.ok((await storage.traces.getServices()).includes('legacy-billing'));
      await maintenanceOf(storage).enforceRetention(dropFirstDayOf('traces'));
      assert.deepEqual(await storage.traces.getServices(), ['checkout']);
      assert.deepEqual(await storage.traces.getOperations({ serviceName: 'legacy-billing' }), []);
      assert.deepEqual((await storage.traces.getOperations({ serviceName: 'checkout' })).map((operation) => operation.name), ['GET /cart']);
      // The service comes back with its next span.
      const back = { ...span(2), traceId: 'ee'.repeat(16), spanId: 'ef'.repeat(8), serviceName: 'legacy-billing', name: 'POST /invoice' };
      await storage.writer.write({ spans: [back], logs: [], samples: [], metricMetadata: [], edges: [] });
      assert.deepEqual((await storage.traces.getOperations({ serviceName: 'legacy-billing' })).map((operation) => operation.name), ['POST /invoice']);
      await storage.shutdown();
    },
  ],
  [
    'cut-offs before every day drop nothing',
    async (open) => {
      const storage = await open();
      await writeRetentionFixture(storage);
      const result = await maintenanceOf(storage).enforceRetention(KEEP_ALL);
      assert.deepEqual(result.droppedPartitions, { traces: 0, logs: 0, metrics: 0 });
      assert.deepEqual(await traceDaysPresent(storage), [0, 1, 2]);
      assert.deepEqual(await logDaysPresent(storage), [0, 1, 2]);
      assert.deepEqual(await metricDaysPresent(storage), [0, 1, 2]);
      assert.deepEqual(await edgeDaysPresent(storage), [0, 1, 2]);
      assert.deepEqual(maintenanceOf(storage).stats().partitions, { traces: 3, logs: 3, metrics: 3 });
      await storage.shutdown();
    },
  ],
  [
    'traces: the oldest day and the edges before the cut-off go; logs and metrics stay',
    async (open) => {
      const storage = await open();
      await writeRetentionFixture(storage);
      const result = await maintenanceOf(storage).enforceRetention(dropFirstDayOf('traces'));
      assert.deepEqual(result.droppedPartitions, { traces: 1, logs: 0, metrics: 0 });
      assert.deepEqual(await traceDaysPresent(storage), [1, 2]);
      assert.deepEqual(await edgeDaysPresent(storage), [1, 2]);
      assert.deepEqual(await logDaysPresent(storage), [0, 1, 2]);
      assert.deepEqual(await metricDaysPresent(storage), [0, 1, 2]);
      assert.deepEqual(maintenanceOf(storage).stats().partitions, { traces: 2, logs: 3, metrics: 3 });
      await storage.shutdown();
    },
  ],
  [
    'logs: the oldest day goes; the trace logs of the others stay',
    async (open) => {
      const storage = await open();
      await writeRetentionFixture(storage);
      const result = await maintenanceOf(storage).enforceRetention(dropFirstDayOf('logs'));
      assert.deepEqual(result.droppedPartitions, { traces: 0, logs: 1, metrics: 0 });
      assert.deepEqual(await logDaysPresent(storage), [1, 2]);
      assert.equal((await storage.logs.getTraceLogs(TRACE_IDS[0], 10)).length, 0);
      assert.equal((await storage.logs.getTraceLogs(TRACE_IDS[1], 10)).length, 1);
      assert.deepEqual(await traceDaysPresent(storage), [0, 1, 2]);
      assert.deepEqual(await metricDaysPresent(storage), [0, 1, 2]);
      await storage.shutdown();
    },
  ],
  [
    'metrics: the oldest day goes, and a series left without samples is forgotten',
    async (open) => {
      const storage = await open();
      await writeRetentionFixture(storage);
      const all = [DAYS_MS[0], DAYS_MS[2] + DAY_MS] as const;
      assert.deepEqual(await storage.metrics.labelValues('__name__', [], ...all), ['old_only', 'requests_total']);
      const result = await maintenanceOf(storage).enforceRetention(dropFirstDayOf('metrics'));
      assert.deepEqual(result.droppedPartitions, { traces: 0, logs: 0, metrics: 1 });
      assert.deepEqual(await metricDaysPresent(storage), [1, 2]);
      assert.deepEqual(await storage.metrics.labelValues('__name__', [], ...all), ['requests_total']);
      assert.deepEqual(await storage.metrics.labelNames([], ...all), ['__name__', 'job']);
      assert.deepEqual(await traceDaysPresent(storage), [0, 1, 2]);
      assert.deepEqual(await logDaysPresent(storage), [0, 1, 2]);
      await storage.shutdown();
    },
  ],
  [
    'all signals at once, then a re-run drops nothing more',
    async (open) => {
      const storage = await open();
      await writeRetentionFixture(storage);
      const cutoffs: RetentionCutoffs = {
        tracesBeforeUnixMs: DAYS_MS[1],
        logsBeforeUnixMs: DAYS_MS[2],
        metricsBeforeUnixMs: DAYS_MS[1] + 1,
      };
      const first = await maintenanceOf(storage).enforceRetention(cutoffs);
      assert.deepEqual(first.droppedPartitions, { traces: 1, logs: 2, metrics: 1 });
      const second = await maintenanceOf(storage).enforceRetention(cutoffs);
      assert.deepEqual(second.droppedPartitions, { traces: 0, logs: 0, metrics: 0 });
      assert.deepEqual(await traceDaysPresent(storage), [1, 2]);
      assert.deepEqual(await logDaysPresent(storage), [2]);
      assert.deepEqual(await metricDaysPresent(storage), [1, 2]);
      assert.deepEqual(maintenanceOf(storage).stats().partitions, { traces: 2, logs: 1, metrics: 2 });
      await storage.shutdown();
    },
  ],
  [
    'data written again for a dropped day is stored and readable',
    async (open) => {
      const storage = await open();
      await writeRetentionFixture(storage);
      const everything: RetentionCutoffs = {
        tracesBeforeUnixMs: DAYS_MS[1],
        logsBeforeUnixMs: DAYS_MS[1],
        metricsBeforeUnixMs: DAYS_MS[1],
      };
      await maintenanceOf(storage).enforceRetention(everything);
      assert.deepEqual(await traceDaysPresent(storage), [1, 2]);
      await storage.writer.write({ spans: [span(0)], logs: [log(0)], samples: [{ labels: FIRST_DAY_ONLY, timestampMs: DAYS_MS[0] + NOON_MS, value: 7 }], metricMetadata: [], edges: [] });
      assert.deepEqual(await traceDaysPresent(storage), [0, 1, 2]);
      assert.deepEqual(await logDaysPresent(storage), [0, 1, 2]);
      const old = await storage.metrics.select([{ name: '__name__', op: '=', value: 'old_only' }], ...WHOLE_RANGE_MS);
      assert.deepEqual(
        old.map((s) => [[...s.timestampsMs], [...s.values]]),
        [[[DAYS_MS[0] + NOON_MS], [7]]],
      );
      await storage.shutdown();
    },
  ],
];

export function maintenanceOf(storage: Storage): NonNullable<Storage['maintenance']> {
  assert.ok(storage.maintenance, 'a writing store has maintenance');
  return storage.maintenance;
}
