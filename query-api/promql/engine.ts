// PromQL evaluation with Prometheus semantics. A query first loads every selector's time window from the
// SeriesSource in one pass (bounded by maxSamples), then evaluates synchronously step by step, so a range
// query costs one storage round trip per selector rather than one per step.

import { isSetOp, valueTypeOf, type AtModifier, type Binary, type Expr, type Subquery, type VectorSelector } from './ast.js';
import { aggregate } from './aggregate.js';
import { scalarBinary, setOperation, vectorBinary, vectorScalarBinary } from './binary.js';
import { executionError, PromqlError } from './errors.js';
import { describeType } from './function-signatures.js';
import { callFunction } from './functions.js';
import { matrixResult, samplePair, vectorResult, type ApiSamplePair, type QueryResult } from './format.js';
import type { Compatibility } from './math.js';
import { parsePromql } from './parser.js';
import type { Series, SeriesSource } from './series-source.js';
import { SampleBuffer } from '../../collector/storage/sample-buffer.js';
import {
  compareLabels,
  dropMetricName,
  labelsKey,
  vectorOf,
  type InstantSample,
  type Labels,
  type MatrixValue,
  type RangeSeries,
  type Value,
} from './values.js';

export interface EngineOptions {
  /** How far back an instant selector looks for the latest sample (Prometheus default 5m). */
  lookbackDeltaMs?: number;
  /** Most samples one query may hold (Prometheus' --query.max-samples, default 50 million). */
  maxSamples?: number;
  /** Step of subqueries written without one, e.g. `x[1h:]` (Prometheus: the evaluation interval, 1m). */
  defaultSubqueryStepMs?: number;
  /** Most points per series in a range query (the Prometheus API's 11,000). */
  maxPointsPerSeries?: number;
  compatibility?: Compatibility;
}

const DEFAULTS: Required<EngineOptions> = {
  lookbackDeltaMs: 5 * 60_000,
  maxSamples: 50_000_000,
  defaultSubqueryStepMs: 60_000,
  maxPointsPerSeries: 11_000,
  compatibility: 'prometheus3',
};

const TOO_MANY_SAMPLES = 'query processing would load too many samples into memory in query execution';
/** A subquery's series start with room for this many points, and grow (most subqueries are short). */
const SUBQUERY_BUFFER_CAPACITY = 64;

export class PromqlEngine {
  private readonly options: Required<EngineOptions>;

  constructor(
    private readonly source: SeriesSource,
    options: EngineOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** An instant query (`/api/v1/query`). */
  async evaluateInstant(query: string | Expr, timeMs: number): Promise<QueryResult> {
    const expr = typeof query === 'string' ? parsePromql(query) : query;
    const evaluation = await this.prepare(expr, timeMs, timeMs);
    const value = evaluation.evaluate(expr, timeMs);
    switch (value.kind) {
      case 'scalar':
        return { resultType: 'scalar', result: samplePair(timeMs, value.value) };
      case 'string':
        return { resultType: 'string', result: [timeMs / 1000, value.value] };
      case 'vector':
        return vectorResult(value.samples, timeMs);
      case 'matrix':
        return matrixResult(matrixPoints(value));
    }
  }

  /** A range query (`/api/v1/query_range`): the expression evaluated at start, start+step, ..., end. */
  async evaluateRange(query: string | Expr, startMs: number, endMs: number, stepMs: number): Promise<QueryResult> {
    const expr = typeof query === 'string' ? parsePromql(query) : query;
    this.validateRange(expr, startMs, endMs, stepMs);
    const evaluation = await this.prepare(expr, startMs, endMs);
    const series = new Map<string, { labels: Labels; points: ApiSamplePair[] }>();
    let points = 0;
    for (let t = startMs; t <= endMs; t += stepMs) {
      const value = evaluation.evaluate(expr, t);
      const samples = value.kind === 'scalar' ? [{ labels: {}, value: value.value }] : value.kind === 'vector' ? value.samples : [];
      for (const sample of samples) {
        const key = labelsKey(sample.labels);
        let entry = series.get(key);
        if (!entry) series.set(key, (entry = { labels: sample.labels, points: [] }));
        entry.points.push(samplePair(t, sample.value));
      }
      points += samples.length;
      if (points > this.options.maxSamples) throw executionError(TOO_MANY_SAMPLES);
    }
    return matrixResult([...series.values()]);
  }

  private validateRange(expr: Expr, startMs: number, endMs: number, stepMs: number): void {
    const type = valueTypeOf(expr);
    if (type !== 'scalar' && type !== 'vector') {
      throw new PromqlError('bad_data', `invalid expression type ${JSON.stringify(describeType(type))} for range query, must be Scalar or instant Vector`);
    }
    if (!(stepMs > 0)) {
      throw new PromqlError('bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
    }
    if (endMs < startMs) throw new PromqlError('bad_data', 'end timestamp must not be before start time');
    if ((endMs - startMs) / stepMs > this.options.maxPointsPerSeries) {
      throw new PromqlError(
        'bad_data',
        `exceeded maximum resolution of ${this.options.maxPointsPerSeries.toLocaleString('en-US')} points per timeseries. Try decreasing the query resolution (?step=XX)`,
      );
    }
  }

  /** Loads every selector's data for the whole query window, failing once it exceeds maxSamples. */
  private async prepare(expr: Expr, startMs: number, endMs: number): Promise<Evaluation> {
    const windows = new Map<VectorSelector, Window>();
    collectWindows(expr, { startMs, endMs }, { startMs, endMs }, this.options, windows);
    const selections = new Map<VectorSelector, Series[]>();
    let loaded = 0;
    await Promise.all(
      [...windows].map(async ([selector, window]) => {
        const series = await this.source.select(selector.matchers, window.startMs, window.endMs, {
          maxSamples: this.options.maxSamples,
        });
        loaded += series.reduce((total, s) => total + s.values.length, 0);
        if (loaded > this.options.maxSamples) throw executionError(TOO_MANY_SAMPLES);
        selections.set(selector, inLabelOrder(series));
      }),
    );
    return new Evaluation(selections, { startMs, endMs }, this.options);
  }
}

interface Window {
  startMs: number;
  endMs: number;
}

function resolveAt(at: AtModifier | undefined, evalWindow: Window, query: Window): Window {
  if (!at) return evalWindow;
  const t = at.kind === 'time' ? at.timeMs : at.kind === 'start' ? query.startMs : query.endMs;
  return { startMs: t, endMs: t };
}

/** Works out, per selector, the span of stored time the query can touch (offsets, ranges, subqueries, @). */
function collectWindows(
  expr: Expr,
  evalWindow: Window,
  query: Window,
  options: Required<EngineOptions>,
  out: Map<VectorSelector, Window>,
): void {
  const add = (selector: VectorSelector, lookBackMs: number) => {
    const times = resolveAt(selector.at, evalWindow, query);
    out.set(selector, {
      startMs: times.startMs - selector.offsetMs - lookBackMs,
      endMs: times.endMs - selector.offsetMs,
    });
  };
  switch (expr.type) {
    case 'vectorSelector':
      return add(expr, options.lookbackDeltaMs);
    case 'matrixSelector':
      return add(expr.selector, expr.rangeMs);
    case 'subquery': {
      const times = resolveAt(expr.at, evalWindow, query);
      const inner = { startMs: times.startMs - expr.offsetMs - expr.rangeMs, endMs: times.endMs - expr.offsetMs };
      return collectWindows(expr.expr, inner, query, options, out);
    }
    case 'call':
      return expr.args.forEach((arg) => collectWindows(arg, evalWindow, query, options, out));
    case 'aggregate':
      if (expr.param) collectWindows(expr.param, evalWindow, query, options, out);
      return collectWindows(expr.expr, evalWindow, query, options, out);
    case 'binary':
      collectWindows(expr.lhs, evalWindow, query, options, out);
      return collectWindows(expr.rhs, evalWindow, query, options, out);
    case 'unary':
    case 'paren':
      return collectWindows(expr.expr, evalWindow, query, options, out);
    case 'number':
    case 'string':
      return;
  }
}

/** One query's evaluation over preloaded data; evaluate() is called once per step. */
class Evaluation {
  private readonly leftOpen: boolean;

  constructor(
    private readonly selections: Map<VectorSelector, Series[]>,
    private readonly query: Window,
    private readonly options: Required<EngineOptions>,
  ) {
    this.leftOpen = options.compatibility === 'prometheus3';
  }

  evaluate(expr: Expr, timeMs: number): Value {
    switch (expr.type) {
      case 'number':
        return { kind: 'scalar', value: expr.value };
      case 'string':
        return { kind: 'string', value: expr.value };
      case 'paren':
        return this.evaluate(expr.expr, timeMs);
      case 'vectorSelector':
        return vectorOf(this.instantSelect(expr, timeMs));
      case 'matrixSelector':
        return this.rangeSelect(expr.selector, expr.rangeMs, timeMs);
      case 'subquery':
        return this.subquery(expr, timeMs);
      case 'unary':
        return this.unary(expr.op, this.evaluate(expr.expr, timeMs));
      case 'binary':
        return this.binary(expr, timeMs);
      case 'call': {
        const args = expr.args.map((arg) => this.evaluate(arg, timeMs));
        const result = callFunction({ func: expr.func, args, argExprs: expr.args, timeMs, compatibility: this.options.compatibility });
        return result.kind === 'vector' ? vectorOf(uniqueLabelSets(result.samples)) : result;
      }
      case 'aggregate': {
        const param = expr.param ? this.evaluate(expr.param, timeMs) : undefined;
        const inner = this.evaluate(expr.expr, timeMs);
        const samples = inner.kind === 'vector' ? inner.samples : [];
        const paramValue = param?.kind === 'scalar' || param?.kind === 'string' ? param.value : NaN;
        return vectorOf(aggregate(expr, samples, paramValue));
      }
    }
  }

  private selectionTime(selector: { at?: AtModifier; offsetMs: number }, timeMs: number): number {
    return resolveAt(selector.at, { startMs: timeMs, endMs: timeMs }, this.query).endMs - selector.offsetMs;
  }

  /** The latest sample of each series within the lookback window before the (offset) evaluation time. */
  private instantSelect(selector: VectorSelector, timeMs: number): InstantSample[] {
    const refMs = this.selectionTime(selector, timeMs);
    const oldestMs = refMs - this.options.lookbackDeltaMs;
    const out: InstantSample[] = [];
    for (const { labels, timestampsMs, values } of this.selections.get(selector) ?? []) {
      const index = firstIndexAfter(timestampsMs, refMs) - 1;
      if (index < 0) continue;
      const sampleTimeMs = timestampsMs[index] as number;
      const tooOld = this.leftOpen ? sampleTimeMs <= oldestMs : sampleTimeMs < oldestMs;
      if (!tooOld) out.push({ labels, value: values[index] as number, sampleTimeMs });
    }
    return out;
  }

  /** Each stored series with the index range of its samples in the window: no samples are copied. */
  private rangeSelect(selector: VectorSelector, rangeMs: number, timeMs: number): MatrixValue {
    const rangeEndMs = this.selectionTime(selector, timeMs);
    const rangeStartMs = rangeEndMs - rangeMs;
    const series = this.selections.get(selector) ?? [];
    const starts = new Uint32Array(series.length);
    const ends = new Uint32Array(series.length);
    for (let i = 0; i < series.length; i++) {
      const { timestampsMs } = series[i] as Series;
      starts[i] = firstIndexAfter(timestampsMs, this.leftOpen ? rangeStartMs : rangeStartMs - 1);
      ends[i] = Math.max(starts[i] as number, firstIndexAfter(timestampsMs, rangeEndMs));
    }
    return { kind: 'matrix', series, starts, ends, rangeStartMs, rangeEndMs };
  }

  /** The inner expression evaluated at step-aligned times within the range, collected per series. */
  private subquery(expr: Subquery, timeMs: number): MatrixValue {
    const rangeEndMs = this.selectionTime(expr, timeMs);
    const rangeStartMs = rangeEndMs - expr.rangeMs;
    const stepMs = expr.stepMs ?? this.options.defaultSubqueryStepMs;
    let t = Math.floor(rangeStartMs / stepMs) * stepMs;
    if (this.leftOpen ? t <= rangeStartMs : t < rangeStartMs) t += stepMs;
    const byLabels = new Map<string, { labels: Labels; samples: SampleBuffer }>();
    let points = 0;
    for (; t <= rangeEndMs; t += stepMs) {
      const value = this.evaluate(expr.expr, t);
      const samples = value.kind === 'vector' ? value.samples : [];
      for (const sample of samples) {
        const key = labelsKey(sample.labels);
        let series = byLabels.get(key);
        if (!series) byLabels.set(key, (series = { labels: sample.labels, samples: new SampleBuffer(SUBQUERY_BUFFER_CAPACITY) }));
        series.samples.push(t, sample.value);
      }
      points += samples.length;
      if (points > this.options.maxSamples) throw executionError(TOO_MANY_SAMPLES);
    }
    const series: RangeSeries[] = [...byLabels.values()].map(({ labels, samples }) => ({ labels, ...samples.take() }));
    const ends = Uint32Array.from(series, (s) => s.values.length);
    return { kind: 'matrix', series, starts: new Uint32Array(series.length), ends, rangeStartMs, rangeEndMs };
  }

  private unary(op: '-' | '+', operand: Value): Value {
    if (op === '+') return operand;
    if (operand.kind === 'scalar') return { kind: 'scalar', value: -operand.value };
    if (operand.kind !== 'vector') return operand;
    return vectorOf(uniqueLabelSets(operand.samples.map((s) => ({ labels: dropMetricName(s.labels), value: -s.value }))));
  }

  private binary(expr: Binary, timeMs: number): Value {
    const lhs = this.evaluate(expr.lhs, timeMs);
    const rhs = this.evaluate(expr.rhs, timeMs);
    if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
      return { kind: 'scalar', value: scalarBinary(expr, lhs.value, rhs.value) };
    }
    if (lhs.kind === 'vector' && rhs.kind === 'scalar') {
      return vectorOf(uniqueLabelSets(vectorScalarBinary(expr, lhs.samples, rhs.value, false)));
    }
    if (lhs.kind === 'scalar' && rhs.kind === 'vector') {
      return vectorOf(uniqueLabelSets(vectorScalarBinary(expr, rhs.samples, lhs.value, true)));
    }
    if (lhs.kind !== 'vector' || rhs.kind !== 'vector') throw executionError('binary expression must contain only scalar and instant vector types');
    if (isSetOp(expr.op)) return vectorOf(setOperation(expr, lhs.samples, rhs.samples));
    return vectorOf(uniqueLabelSets(vectorBinary(expr, lhs.samples, rhs.samples)));
  }
}

/** Series sorted by labels; stores already return them so, which one pass confirms. */
function inLabelOrder(series: Series[]): Series[] {
  for (let i = 1; i < series.length; i++) {
    if (compareLabels((series[i - 1] as Series).labels, (series[i] as Series).labels) > 0) {
      return [...series].sort((a, b) => compareLabels(a.labels, b.labels));
    }
  }
  return series;
}

/** The points of a matrix's series that have samples in its window, for the API's matrix result. */
function matrixPoints(matrix: MatrixValue): { labels: Labels; points: ApiSamplePair[] }[] {
  const out: { labels: Labels; points: ApiSamplePair[] }[] = [];
  matrix.series.forEach(({ labels, timestampsMs, values }, i) => {
    const points: ApiSamplePair[] = [];
    for (let j = matrix.starts[i] as number; j < (matrix.ends[i] as number); j++) {
      points.push(samplePair(timestampsMs[j] as number, values[j] as number));
    }
    if (points.length > 0) out.push({ labels, points });
  });
  return out;
}

/** Index of the first time strictly after timeMs (binary search; times are sorted). */
function firstIndexAfter(times: Float64Array, timeMs: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((times[mid] as number) <= timeMs) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Prometheus refuses a result where dropping labels (e.g. the metric name) made two series identical. */
function uniqueLabelSets(samples: InstantSample[]): InstantSample[] {
  const seen = new Set<string>();
  for (const sample of samples) {
    const key = labelsKey(sample.labels);
    if (seen.has(key)) throw executionError('vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
  return samples;
}
