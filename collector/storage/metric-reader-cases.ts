// One table of MetricReader cases shared by the memory store's and the SQLite store's tests, so both
// stores are held to the same Prometheus semantics. The fixture straddles a UTC midnight, so SQLite
// reads two day partitions.
import assert from 'node:assert/strict';
import { MeshscopeError } from '../errors.js';
import type { LabelMatcher, MetricReader, PrometheusSample, Series, StorageWriter } from './api.js';

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

function samplesOf(labels: Record<string, string>, points: [number, number][]): PrometheusSample[] {
  return points.map(([offsetSeconds, value]) => ({ labels, timestampMs: MIDNIGHT_MS + offsetSeconds * S, value }));
}

/** Two batches; the second rewrites A at midnight (3 -> 30) and the help text of one metric. */
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
    ],
    metricMetadata: [
      { metric: 'http_requests_total', type: 'counter', help: 'old help', unit: '' },
      { metric: 'up', type: 'gauge', help: 'Target is up', unit: '' },
    ],
  });
  await writer.write({
    spans: [],
    logs: [],
    edges: [],
    // Labels in another order name the same series.
    samples: [{ labels: { code: '200', instance: 'a', job: 'api', __name__: 'http_requests_total' }, timestampMs: MIDNIGHT_MS, value: 30 }],
    metricMetadata: [{ metric: 'http_requests_total', type: 'counter', help: 'Requests served', unit: '' }],
  });
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
      { metric: 'up', type: 'gauge', help: 'Target is up', unit: '' },
    ],
  },
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
];

/** Runs one case against a reader holding writeMetricFixture's data. */
export async function checkMetricReaderCase(reader: MetricReader, testCase: MetricReaderCase): Promise<void> {
  assert.deepEqual(await testCase.run(reader), testCase.expected);
}
