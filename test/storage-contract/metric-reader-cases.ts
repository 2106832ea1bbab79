// The MetricReader cases of the contract suite, so every store is held to the same Prometheus semantics.
// The fixture straddles UTC midnights (a store partitioned by day reads two partitions): counters, a
// gauge with NaN, a histogram with `le` buckets, rewrites of one timestamp and metadata.
import { MeshscopeError } from '../../collector/errors.js';
import type { LabelMatcher, MetricReader, PrometheusSample, Series, StorageWriter } from '../../collector/storage/api.js';

/** 2026-11-27T00:00:00Z: the first day's samples are before it, the second day's at or after it. */
export const MIDNIGHT_MS = Date.UTC(2026, 10, 27);
const S = 1000;
const FROM = MIDNIGHT_MS - 60 * S;
const TO = MIDNIGHT_MS + 60 * S;

const A = { __name__: 'http_requests_total', job: 'api', instance: 'a', code: '200' };
const B = { __name__: 'http_requests_total', job: 'api', instance: 'b', code: '500' };
/** No `code` label, and an empty one that must be dropped. */
const C = { __name__: 'http_requests_total', job: 'web', instance: 'c', code: '' };
const C_STORED = { __name__: 'http_requests_total', job: 'web', instance: 'c' };
const D = { __name__: 'up', job: 'api', instance: 'a' };
/** Only two hours before the window. */
const E = { __name__: 'old_metric', job: 'api' };

/** A histogram one day earlier (around the previous midnight), with its buckets, sum and count. */
const HISTOGRAM_MIDNIGHT_MS = MIDNIGHT_MS - 86_400_000;
const HIST_FROM = HISTOGRAM_MIDNIGHT_MS - 60 * S;
const HIST_TO = HISTOGRAM_MIDNIGHT_MS + 60 * S;
const HIST = { job: 'api', instance: 'a' };
const BUCKET_01 = { __name__: 'http_server_duration_seconds_bucket', ...HIST, le: '0.1' };
const BUCKET_05 = { __name__: 'http_server_duration_seconds_bucket', ...HIST, le: '0.5' };
const BUCKET_INF = { __name__: 'http_server_duration_seconds_bucket', ...HIST, le: '+Inf' };
const HIST_SUM = { __name__: 'http_server_duration_seconds_sum', ...HIST };
const HIST_COUNT = { __name__: 'http_server_duration_seconds_count', ...HIST };
const HISTOGRAM_METADATA = { metric: 'http_server_duration_seconds', type: 'histogram' as const, help: 'Server latency', unit: 'seconds' };

function histogramSamples(): PrometheusSample[] {
  const at = (labels: Record<string, string>, points: [number, number][]): PrometheusSample[] =>
    points.map(([offsetSeconds, value]) => ({ labels, timestampMs: HISTOGRAM_MIDNIGHT_MS + offsetSeconds * S, value }));
  return [
    // The last sample is written twice in the batch: the second replaces the first.
    ...at(BUCKET_01, [[-30, 1], [0, 2], [30, 9], [30, 2]]),
    ...at(BUCKET_05, [[-30, 3], [0, 5], [30, 6]]),
    ...at(BUCKET_INF, [[-30, 4], [0, 6], [30, 8]]),
    ...at(HIST_SUM, [[-30, 0.75], [0, 1.5], [30, 2.25]]),
    ...at(HIST_COUNT, [[-30, 4], [0, 6], [30, 8]]),
  ];
}

function samplesOf(labels: Record<string, string>, points: [number, number][]): PrometheusSample[] {
  return points.map(([offsetSeconds, value]) => ({ labels, timestampMs: MIDNIGHT_MS + offsetSeconds * S, value }));
}

/** Two batches; the second rewrites A and the +Inf bucket at midnight, and the help text of one metric. */
export async function writeMetricFixture(writer: StorageWriter): Promise<void> {
  await writer.write({
    spans: [],
    logs: [],
    edges: [],
    samples: [
      ...samplesOf(A, [[-30, 1], [-15, 2], [0, 3], [15, 4]]),
      ...samplesOf(B, [[-15, 5], [15, 6]]),
      ...samplesOf(C, [[0, 7]]),
      ...samplesOf(D, [[-15, 1], [0, NaN]]),
      ...samplesOf(E, [[-7200, 9]]),
      ...histogramSamples(),
    ],
    metricMetadata: [
      { metric: 'http_requests_total', type: 'counter', help: 'old help', unit: '' },
      { metric: 'up', type: 'gauge', help: 'Target is up', unit: '' },
      HISTOGRAM_METADATA,
    ],
  });
  await writer.write({
    spans: [],
    logs: [],
    edges: [],
    // Labels in another order name the same series.
    samples: [
      { labels: { code: '200', instance: 'a', job: 'api', __name__: 'http_requests_total' }, timestampMs: MIDNIGHT_MS, value: 30 },
      { labels: { le: '+Inf', ...HIST, __name__: 'http_server_duration_seconds_bucket' }, timestampMs: HISTOGRAM_MIDNIGHT_MS, value: 7 },
    ],
    metricMetadata: [{ metric: 'http_requests_total', type: 'counter', help: 'Requests served', unit: '' }],
  });
  await writeInterleavedFixture(writer);
}

/**
 * Noon a day and a half before MIDNIGHT_MS, away from every other window: one series written in two
 * batches whose samples interleave in time (the second rewrites the first's last sample), with infinities.
 */
const INTERLEAVED_MS = MIDNIGHT_MS - 36 * 3600 * S;
const INTERLEAVED = { __name__: 'interleaved_gauge', job: 'batch' };

async function writeInterleavedFixture(writer: StorageWriter): Promise<void> {
  const at = (points: [number, number][]): PrometheusSample[] =>
    points.map(([offsetSeconds, value]) => ({ labels: INTERLEAVED, timestampMs: INTERLEAVED_MS + offsetSeconds * S, value }));
  const batch = (samples: PrometheusSample[]) => ({ spans: [], logs: [], edges: [], samples, metricMetadata: [] });
  await writer.write(batch(at([[0, 1], [60, Infinity], [120, 7]])));
  await writer.write(batch(at([[100, -Infinity], [120, 5]])));
}

/** The Series select() returns for these [offset seconds, value] points. */
function seriesOf(labels: Record<string, string>, points: [number, number][]): Series {
  return {
    labels,
    timestampsMs: Float64Array.from(points, ([offsetSeconds]) => MIDNIGHT_MS + offsetSeconds * S),
    values: Float64Array.from(points, ([, value]) => value),
  };
}

function m(name: string, op: LabelMatcher['op'], value: string): LabelMatcher {
  return { name, op, value };
}

const NAME_HTTP = m('__name__', '=', 'http_requests_total');

/** Labels of select()'s series, in the order returned. */
async function selectedLabels(reader: MetricReader, matchers: LabelMatcher[]): Promise<Record<string, string>[]> {
  return (await reader.select(matchers, FROM, TO)).map((series) => series.labels);
}

export interface MetricReaderCase {
  name: string;
  run(reader: MetricReader): Promise<unknown>;
  expected: unknown;
}

function interleavedSeries(points: [number, number][]): Series {
  return {
    labels: INTERLEAVED,
    timestampsMs: Float64Array.from(points, ([offsetSeconds]) => INTERLEAVED_MS + offsetSeconds * S),
    values: Float64Array.from(points, ([, value]) => value),
  };
}

const INTERLEAVED_NAME = m('__name__', '=', 'interleaved_gauge');

/** Samples written in one batch span a window; later batches write between and over earlier samples. */
const INTERLEAVED_CASES: MetricReaderCase[] = [
  {
    name: 'interleaved writes: the last written value of a timestamp wins, infinities survive',
    run: (r) => r.select([INTERLEAVED_NAME], INTERLEAVED_MS, INTERLEAVED_MS + 120 * S),
    expected: [interleavedSeries([[0, 1], [60, Infinity], [100, -Infinity], [120, 5]])],
  },
  {
    name: 'interleaved writes: a window inside both batches',
    run: (r) => r.select([INTERLEAVED_NAME], INTERLEAVED_MS + 50 * S, INTERLEAVED_MS + 110 * S),
    expected: [interleavedSeries([[60, Infinity], [100, -Infinity]])],
  },
  {
    name: 'a window between two samples of one batch holds no sample of the series',
    run: async (r) => [
      await r.series([[INTERLEAVED_NAME]], INTERLEAVED_MS + 61 * S, INTERLEAVED_MS + 99 * S),
      await r.labelNames([], INTERLEAVED_MS + 61 * S, INTERLEAVED_MS + 99 * S),
      await r.select([INTERLEAVED_NAME], INTERLEAVED_MS + 61 * S, INTERLEAVED_MS + 99 * S),
    ],
    expected: [[], [], []],
  },
  {
    name: 'a window around the middle sample of one batch finds the series',
    run: (r) => r.labelValues('job', [], INTERLEAVED_MS + 50 * S, INTERLEAVED_MS + 70 * S),
    expected: ['batch'],
  },
];

export const METRIC_READER_CASES: MetricReaderCase[] = [
  { name: '= on the metric name', run: (r) => selectedLabels(r, [NAME_HTTP]), expected: [A, B, C_STORED] },
  { name: '!=', run: (r) => selectedLabels(r, [NAME_HTTP, m('job', '!=', 'api')]), expected: [C_STORED] },
  { name: '=~ on name and label', run: (r) => selectedLabels(r, [m('__name__', '=~', 'http_.*'), m('code', '=~', '2..')]), expected: [A] },
  { name: '!~ keeps a series missing the label', run: (r) => selectedLabels(r, [NAME_HTTP, m('code', '!~', '5..')]), expected: [A, C_STORED] },
  { name: 'a missing label matches ""', run: (r) => selectedLabels(r, [NAME_HTTP, m('code', '=', '')]), expected: [C_STORED] },
  {
    name: 'a regex matching "" takes series without the label',
    run: (r) => selectedLabels(r, [m('__name__', '=~', '.+'), m('code', '=~', '200|')]),
    expected: [A, C_STORED, D],
  },
  { name: 'name regex, window drops a series', run: (r) => selectedLabels(r, [m('__name__', '=~', 'up|old_metric')]), expected: [D] },
  { name: '(?i) regex', run: (r) => selectedLabels(r, [m('__name__', '=~', '(?i)HTTP_.*'), m('instance', '=', 'b')]), expected: [B] },
  { name: 'regex is anchored', run: (r) => selectedLabels(r, [m('__name__', '=~', 'http')]), expected: [] },
  { name: 'only negative matchers', run: (r) => selectedLabels(r, [m('job', '!=', 'api')]), expected: [C_STORED] },
  { name: 'no match', run: (r) => selectedLabels(r, [m('__name__', '=', 'nope')]), expected: [] },
  {
    name: 'samples across two days; the rewritten sample keeps the last value',
    run: (r) => r.select([NAME_HTTP, m('instance', '=', 'a')], FROM, TO),
    expected: [seriesOf(A, [[-30, 1], [-15, 2], [0, 30], [15, 4]])],
  },
  {
    name: 'window bounds are inclusive',
    run: async (r) => (await r.select([NAME_HTTP, m('instance', '=', 'a')], MIDNIGHT_MS - 15 * S, MIDNIGHT_MS))[0].values.length,
    expected: 2,
  },
  {
    name: 'NaN survives storage',
    run: (r) => r.select([m('__name__', '=', 'up')], FROM, TO),
    expected: [seriesOf(D, [[-15, 1], [0, NaN]])],
  },
  {
    name: 'maxSamples: reading stops after maxSamples + 1, so the engine sees the overflow',
    run: async (r) => {
      const counts = [];
      for (const maxSamples of [0, 3, 5, 7]) {
        const series = await r.select([NAME_HTTP], FROM, TO, { maxSamples });
        counts.push(series.reduce((total, s) => total + s.values.length, 0));
      }
      return counts;
    },
    expected: [1, 4, 6, 7],
  },
  { name: 'labelNames, all series in the window', run: (r) => r.labelNames([], FROM, TO), expected: ['__name__', 'code', 'instance', 'job'] },
  { name: 'labelNames with a matcher', run: (r) => r.labelNames([m('job', '=', 'web')], FROM, TO), expected: ['__name__', 'instance', 'job'] },
  { name: 'labelValues with a matcher', run: (r) => r.labelValues('instance', [NAME_HTTP], FROM, TO), expected: ['a', 'b', 'c'] },
  { name: 'labelValues skip series without the label', run: (r) => r.labelValues('code', [], FROM, TO), expected: ['200', '500'] },
  { name: 'labelValues respect the window', run: (r) => r.labelValues('__name__', [], FROM, TO), expected: ['http_requests_total', 'up'] },
  {
    name: 'labelValues over a wider window',
    run: (r) => r.labelValues('__name__', [], MIDNIGHT_MS - 3 * 3600 * S, TO),
    expected: ['http_requests_total', 'old_metric', 'up'],
  },
  {
    name: 'series: union over match[] sets, each series once, sorted',
    run: (r) => r.series([[m('job', '=', 'web')], [m('instance', '=', 'a')], [m('instance', '=~', 'a|c')]], FROM, TO),
    expected: [A, C_STORED, D],
  },
  {
    name: 'series: a window with only the second day',
    run: (r) => r.series([[NAME_HTTP]], MIDNIGHT_MS + 1, TO),
    expected: [A, B],
  },
  {
    name: 'metadata: all, latest write wins',
    run: (r) => r.metadata(),
    expected: [
      { metric: 'http_requests_total', type: 'counter', help: 'Requests served', unit: '' },
      HISTOGRAM_METADATA,
      { metric: 'up', type: 'gauge', help: 'Target is up', unit: '' },
    ],
  },
  { name: 'metadata: limit 2', run: async (r) => (await r.metadata(undefined, 2)).map((e) => e.metric), expected: ['http_requests_total', 'http_server_duration_seconds'] },
  { name: 'metadata: one metric', run: (r) => r.metadata('up'), expected: [{ metric: 'up', type: 'gauge', help: 'Target is up', unit: '' }] },
  { name: 'metadata: limit', run: async (r) => (await r.metadata(undefined, 1)).map((e) => e.metric), expected: ['http_requests_total'] },
  { name: 'metadata: unknown metric', run: (r) => r.metadata('nope'), expected: [] },
  {
    name: 'an invalid regex is a bad request',
    run: (r) =>
      r.select([m('__name__', '=~', '(')], FROM, TO).then(
        () => 'resolved',
        (error: unknown) => (error instanceof MeshscopeError ? error.kind : String(error)),
      ),
    expected: 'bad_request',
  },
  ...INTERLEAVED_CASES,
];

/** The Series of the histogram for these [offset seconds, value] points. */
function histogramSeries(labels: Record<string, string>, points: [number, number][]): Series {
  return {
    labels,
    timestampsMs: Float64Array.from(points, ([offsetSeconds]) => HISTOGRAM_MIDNIGHT_MS + offsetSeconds * S),
    values: Float64Array.from(points, ([, value]) => value),
  };
}

const BUCKET_NAME = m('__name__', '=', 'http_server_duration_seconds_bucket');

/** The histogram's cases, over its own window a day before the others'. */
export const HISTOGRAM_CASES: MetricReaderCase[] = [
  {
    name: 'histogram: buckets by le regex, across midnight, the rewritten +Inf sample last written',
    run: (r) => r.select([BUCKET_NAME, m('le', '=~', '0\\.5|\\+Inf')], HIST_FROM, HIST_TO),
    expected: [histogramSeries(BUCKET_INF, [[-30, 4], [0, 7], [30, 8]]), histogramSeries(BUCKET_05, [[-30, 3], [0, 5], [30, 6]])],
  },
  {
    name: 'histogram: != on le keeps series without le (missing is "")',
    run: (r) => selectedLabelsIn(r, [m('__name__', '=~', 'http_server_duration_seconds_.*'), m('le', '!=', '0.1')], HIST_FROM, HIST_TO),
    expected: [BUCKET_INF, BUCKET_05, HIST_COUNT, HIST_SUM],
  },
  {
    name: 'histogram: !~ on le',
    run: (r) => selectedLabelsIn(r, [BUCKET_NAME, m('le', '!~', '0\\..*')], HIST_FROM, HIST_TO),
    expected: [BUCKET_INF],
  },
  {
    name: 'histogram: a window of the second day only',
    run: (r) => r.select([BUCKET_NAME, m('le', '=', '0.1')], HISTOGRAM_MIDNIGHT_MS, HIST_TO),
    expected: [histogramSeries(BUCKET_01, [[0, 2], [30, 2]])],
  },
  { name: 'histogram: labelValues of le', run: (r) => r.labelValues('le', [BUCKET_NAME], HIST_FROM, HIST_TO), expected: ['+Inf', '0.1', '0.5'] },
  {
    name: 'histogram: labelNames',
    run: (r) => r.labelNames([m('__name__', '=~', 'http_server_.*')], HIST_FROM, HIST_TO),
    expected: ['__name__', 'instance', 'job', 'le'],
  },
  {
    name: 'histogram: series of sum and count',
    run: (r) => r.series([[m('__name__', '=', 'http_server_duration_seconds_count')], [m('__name__', '=', 'http_server_duration_seconds_sum')]], HIST_FROM, HIST_TO),
    expected: [HIST_COUNT, HIST_SUM],
  },
  {
    name: 'histogram: maxSamples cuts the last series short at maxSamples + 1',
    run: async (r) => (await r.select([BUCKET_NAME], HIST_FROM, HIST_TO, { maxSamples: 4 })).map((s) => [s.labels.le, s.values.length]),
    expected: [['+Inf', 3], ['0.1', 2]],
  },
  { name: 'labelValues of a label no series has', run: (r) => r.labelValues('nope', [], HIST_FROM, TO), expected: [] },
  { name: 'histogram: window with no samples', run: (r) => r.select([BUCKET_NAME], HIST_TO + 1, HIST_TO + 60 * S), expected: [] },
];

async function selectedLabelsIn(reader: MetricReader, matchers: LabelMatcher[], from: number, to: number): Promise<Record<string, string>[]> {
  return (await reader.select(matchers, from, to)).map((series) => series.labels);
}
