// PromQL function implementations over evaluated arguments. The parser has already checked arity and
// argument types against FUNCTION_SIGNATURES, so arguments are read here without re-validation.

import type { Expr } from './ast.js';
import { executionError } from './errors.js';
import {
  bucketQuantile,
  extrapolatedRate,
  holtWinters,
  instantRate,
  kahanMean,
  kahanSum,
  kahanVariance,
  linearRegression,
  quantile,
  type Bucket,
  type Compatibility,
} from './math.js';
import type { LabelMatcher, SampleArrays } from './series-source.js';
import { anchoredRegExp } from './series-source.js';
import {
  dropLabels,
  dropMetricName,
  labelsKey,
  METRIC_NAME,
  vectorOf,
  type InstantSample,
  type Labels,
  type MatrixValue,
  type RangeSeries,
  type Value,
  type VectorValue,
} from './values.js';

export interface FunctionCall {
  func: string;
  args: Value[];
  argExprs: Expr[];
  timeMs: number;
  compatibility: Compatibility;
}

type FunctionImpl = (call: FunctionCall) => Value;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function callFunction(call: FunctionCall): Value {
  const impl = IMPLEMENTATIONS[call.func];
  if (!impl) throw executionError(`function ${JSON.stringify(call.func)} is not implemented`);
  return impl(call);
}

function vectorArg(call: FunctionCall, index: number): InstantSample[] {
  return (call.args[index] as VectorValue).samples;
}

function matrixArg(call: FunctionCall, index: number): MatrixValue {
  return call.args[index] as MatrixValue;
}

function scalarArg(call: FunctionCall, index: number): number {
  const arg = call.args[index];
  return arg?.kind === 'scalar' ? arg.value : NaN;
}

function stringArg(call: FunctionCall, index: number): string {
  const arg = call.args[index];
  return arg?.kind === 'string' ? arg.value : '';
}

/** A function of one series' samples [lo, hi) in the window (never empty); undefined: no answer. */
type RangeFunction = (samples: SampleArrays, lo: number, hi: number, matrix: MatrixValue, call: FunctionCall) => number | undefined;

/** Applies fn to each series of the range argument; series where fn has no answer are left out. */
function overRange(fn: RangeFunction, keepMetricName = false, matrixIndex = 0): FunctionImpl {
  return (call) => {
    const matrix = matrixArg(call, matrixIndex);
    const out: InstantSample[] = [];
    const { series, starts, ends } = matrix;
    for (let i = 0; i < series.length; i++) {
      const lo = starts[i] as number;
      const hi = ends[i] as number;
      if (hi <= lo) continue;
      const range = series[i] as RangeSeries;
      const value = fn(range, lo, hi, matrix, call);
      if (value !== undefined) out.push({ labels: keepMetricName ? range.labels : dropMetricName(range.labels), value });
    }
    return vectorOf(out);
  };
}

/** Applies fn to each sample of the first (instant vector) argument, dropping the metric name. */
function perSample(fn: (value: number, call: FunctionCall) => number): FunctionImpl {
  return (call) =>
    vectorOf(vectorArg(call, 0).map((s) => ({ labels: dropMetricName(s.labels), value: fn(s.value, call) })));
}

function rateLike(isCounter: boolean, isRate: boolean): FunctionImpl {
  return overRange((samples, lo, hi, matrix, call) =>
    extrapolatedRate(samples, lo, hi, matrix, isCounter, isRate, call.compatibility),
  );
}

const IMPLEMENTATIONS: Record<string, FunctionImpl> = {
  rate: rateLike(true, true),
  increase: rateLike(true, false),
  delta: rateLike(false, false),
  irate: overRange((samples, lo, hi) => instantRate(samples, lo, hi, true)),
  idelta: overRange((samples, lo, hi) => instantRate(samples, lo, hi, false)),
  changes: overRange((samples, lo, hi) =>
    countTransitions(samples.values, lo, hi, (prev, cur) => !(cur === prev || (Number.isNaN(cur) && Number.isNaN(prev)))),
  ),
  resets: overRange((samples, lo, hi) => countTransitions(samples.values, lo, hi, (prev, cur) => cur < prev)),
  avg_over_time: overRange((samples, lo, hi) => kahanMean(samples.values, lo, hi)),
  sum_over_time: overRange((samples, lo, hi) => kahanSum(samples.values, lo, hi)),
  count_over_time: overRange((_samples, lo, hi) => hi - lo),
  min_over_time: overRange((samples, lo, hi) => extremum(samples.values, lo, hi, (v, min) => v < min)),
  max_over_time: overRange((samples, lo, hi) => extremum(samples.values, lo, hi, (v, max) => v > max)),
  last_over_time: overRange((samples, _lo, hi) => samples.values[hi - 1] as number, true),
  present_over_time: overRange(() => 1),
  quantile_over_time: overRange((samples, lo, hi, _m, call) => quantile(scalarArg(call, 0), samples.values, lo, hi), false, 1),
  stdvar_over_time: overRange((samples, lo, hi) => kahanVariance(samples.values, lo, hi)),
  stddev_over_time: overRange((samples, lo, hi) => Math.sqrt(kahanVariance(samples.values, lo, hi))),
  // deriv anchors x at the first sample and predict_linear at the evaluation time, as Prometheus does.
  deriv: overRange((samples, lo, hi) =>
    hi - lo < 2 ? undefined : linearRegression(samples, lo, hi, samples.timestampsMs[lo] as number).slope,
  ),
  predict_linear: overRange((samples, lo, hi, _m, call) => {
    if (hi - lo < 2) return undefined;
    const { slope, intercept } = linearRegression(samples, lo, hi, call.timeMs);
    return slope * scalarArg(call, 1) + intercept;
  }),
  double_exponential_smoothing: overRange((samples, lo, hi, _m, call) => {
    const sf = scalarArg(call, 1);
    const tf = scalarArg(call, 2);
    if (!(sf > 0 && sf < 1)) throw executionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFixed(sf)}`);
    if (!(tf > 0 && tf < 1)) throw executionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${goFixed(tf)}`);
    return holtWinters(samples.values, lo, hi, sf, tf);
  }),
  absent_over_time: (call) => {
    const { starts, ends } = matrixArg(call, 0);
    return starts.some((lo, i) => (ends[i] as number) > lo) ? vectorOf([]) : absentResult(call);
  },
  absent: (call) => (vectorArg(call, 0).length > 0 ? vectorOf([]) : absentResult(call)),
  histogram_quantile: histogramQuantile,
  abs: perSample(Math.abs),
  ceil: perSample(Math.ceil),
  floor: perSample(Math.floor),
  exp: perSample(Math.exp),
  sqrt: perSample(Math.sqrt),
  ln: perSample(Math.log),
  log2: perSample(goLog2),
  // Go: Log(x) * (1/Ln10); V8's log10 differs from that in the last bit for some values.
  log10: perSample((v) => Math.log(v) * Math.LOG10E),
  sgn: perSample((v) => (v < 0 ? -1 : v > 0 ? 1 : v)),
  sin: perSample(Math.sin),
  cos: perSample(Math.cos),
  tan: perSample(Math.tan),
  asin: perSample(Math.asin),
  acos: perSample(Math.acos),
  atan: perSample(Math.atan),
  sinh: perSample(Math.sinh),
  cosh: perSample(Math.cosh),
  tanh: perSample(Math.tanh),
  asinh: perSample(Math.asinh),
  acosh: perSample(Math.acosh),
  atanh: perSample(Math.atanh),
  deg: perSample((v) => (v * 180) / Math.PI),
  rad: perSample((v) => (v * Math.PI) / 180),
  pi: () => ({ kind: 'scalar', value: Math.PI }),
  year: dateFunction((d) => d.getUTCFullYear()),
  month: dateFunction((d) => d.getUTCMonth() + 1),
  day_of_month: dateFunction((d) => d.getUTCDate()),
  day_of_week: dateFunction((d) => d.getUTCDay()),
  day_of_year: dateFunction(dayOfYear),
  days_in_month: dateFunction(daysInMonth),
  hour: dateFunction((d) => d.getUTCHours()),
  minute: dateFunction((d) => d.getUTCMinutes()),
  round: perSample((v, call) => {
    const inverse = 1 / (call.args.length > 1 ? scalarArg(call, 1) : 1);
    return Math.floor(v * inverse + 0.5) / inverse;
  }),
  clamp_min: perSample((v, call) => Math.max(v, scalarArg(call, 1))),
  clamp_max: perSample((v, call) => Math.min(v, scalarArg(call, 1))),
  clamp: (call) =>
    scalarArg(call, 2) < scalarArg(call, 1)
      ? vectorOf([])
      : perSample((v) => Math.max(scalarArg(call, 1), Math.min(scalarArg(call, 2), v)))(call),
  time: (call) => ({ kind: 'scalar', value: call.timeMs / 1000 }),
  vector: (call) => vectorOf([{ labels: {}, value: scalarArg(call, 0) }]),
  scalar: (call) => {
    const samples = vectorArg(call, 0);
    return { kind: 'scalar', value: samples.length === 1 ? (samples[0] as InstantSample).value : NaN };
  },
  timestamp: (call) =>
    vectorOf(
      vectorArg(call, 0).map((s) => ({ labels: dropMetricName(s.labels), value: (s.sampleTimeMs ?? call.timeMs) / 1000 })),
    ),
  sort: (call) => vectorOf([...vectorArg(call, 0)].sort((a, b) => compareForSort(a.value, b.value))),
  sort_desc: (call) => vectorOf([...vectorArg(call, 0)].sort((a, b) => compareForSort(b.value, a.value))),
  label_replace: labelReplace,
  label_join: labelJoin,
};

/**
 * The date functions read each sample's value as Unix seconds (fraction dropped), or with no argument
 * the evaluation time, and answer in UTC. Times outside JS Date's ±275,000 years give NaN (Go's time
 * type reaches further).
 */
function dateFunction(fn: (date: Date) => number): FunctionImpl {
  const at = (seconds: number) => {
    const date = new Date(Math.trunc(seconds) * 1000);
    return Number.isNaN(date.getTime()) ? NaN : fn(date);
  };
  return (call) => {
    if (call.args.length === 0) return vectorOf([{ labels: {}, value: at(Math.trunc(call.timeMs / 1000)) }]);
    return perSample(at)(call);
  };
}

function dayOfYear(date: Date): number {
  const startOfYear = new Date(date.getTime());
  startOfYear.setUTCMonth(0, 1);
  startOfYear.setUTCHours(0, 0, 0, 0);
  return Math.floor((date.getTime() - startOfYear.getTime()) / 86_400_000) + 1;
}

/** As Go computes it: day 32 of the month normalises into the next month, 32 - that day. */
function daysInMonth(date: Date): number {
  const overflow = new Date(date.getTime());
  overflow.setUTCDate(32);
  return 32 - overflow.getUTCDate();
}

/** Go's math.Log2: exact for powers of two, else ln of the mantissa scaled, plus the exponent. */
function goLog2(value: number): number {
  const [fraction, exponent] = frexp(value);
  if (fraction === 0.5) return exponent - 1;
  return Math.log(fraction) * Math.LOG2E + exponent;
}

/** Go's math.Frexp: value = fraction × 2^exponent with |fraction| in [0.5, 1); 0, ±Inf and NaN unchanged. */
function frexp(value: number): [number, number] {
  if (value === 0 || !Number.isFinite(value)) return [value, 0];
  // Subnormals first become normal, so the power of two below stays representable.
  const subnormalShift = Math.abs(value) < 2 ** -1022 ? 54 : 0;
  const normal = value * 2 ** subnormalShift;
  let exponent = Math.floor(Math.log2(Math.abs(normal))) + 1;
  let fraction = normal * 2 ** -exponent;
  // log2 of a value just below a power of two can round up to it: correct by one step.
  if (Math.abs(fraction) >= 1) {
    fraction /= 2;
    exponent++;
  } else if (Math.abs(fraction) < 0.5) {
    fraction *= 2;
    exponent--;
  }
  return [fraction, exponent - subnormalShift];
}

/** Go's %f: six decimals, with Go's spellings of the non-finite values. */
function goFixed(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return value.toFixed(6);
}

function countTransitions(values: Float64Array, lo: number, hi: number, counts: (previous: number, current: number) => boolean): number {
  let total = 0;
  for (let i = lo + 1; i < hi; i++) {
    if (counts(values[i - 1] as number, values[i] as number)) total++;
  }
  return total;
}

/**
 * min_over_time and max_over_time: the first value, replaced by each later one that `beats` it; a NaN
 * is always replaced, so NaN wins only when every value is NaN (as in Prometheus).
 */
function extremum(values: Float64Array, lo: number, hi: number, beats: (value: number, best: number) => boolean): number {
  let best = values[lo] as number;
  for (let i = lo + 1; i < hi; i++) {
    const value = values[i] as number;
    if (beats(value, best) || Number.isNaN(best)) best = value;
  }
  return best;
}

/** Ascending with NaN first, as Prometheus' sort() orders. */
function compareForSort(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a - b;
}

/** absent() answers 1 with the labels its selector pinned with single `=` matchers. */
function absentResult(call: FunctionCall): VectorValue {
  const arg = call.argExprs[0];
  const selector = arg?.type === 'matrixSelector' ? arg.selector : arg;
  const matchers: LabelMatcher[] = selector?.type === 'vectorSelector' ? selector.matchers : [];
  const labels: Record<string, string> = {};
  const dropped = new Set<string>();
  for (const matcher of matchers) {
    if (matcher.name === METRIC_NAME) continue;
    if (matcher.op === '=' && !(matcher.name in labels) && !dropped.has(matcher.name)) {
      labels[matcher.name] = matcher.value;
    } else {
      delete labels[matcher.name];
      dropped.add(matcher.name);
    }
  }
  return vectorOf([{ labels, value: 1 }]);
}

function histogramQuantile(call: FunctionCall): Value {
  const q = scalarArg(call, 0);
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const sample of vectorArg(call, 1)) {
    const upperBound = parseBound(sample.labels.le);
    if (upperBound === undefined) continue;
    const labels = dropLabels(sample.labels, ['le', METRIC_NAME]);
    const key = labelsKey(labels);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { labels, buckets: [] }));
    group.buckets.push({ upperBound, count: sample.value });
  }
  return vectorOf([...groups.values()].map((g) => ({ labels: g.labels, value: bucketQuantile(q, g.buckets) })));
}

/** Go's strconv.ParseFloat for `le` values, including its spellings of infinity. */
function parseBound(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const lower = text.toLowerCase().replace(/^\+/, '');
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const value = Number(text);
  return Number.isNaN(value) && lower !== 'nan' ? undefined : value;
}

function labelReplace(call: FunctionCall): Value {
  const [destination, replacement, source, pattern] = [1, 2, 3, 4].map((i) => stringArg(call, i)) as [
    string,
    string,
    string,
    string,
  ];
  let regex: RegExp;
  try {
    regex = anchoredRegExp(pattern);
  } catch {
    throw executionError(`invalid regular expression in label_replace(): ${pattern}`);
  }
  if (!LABEL_NAME.test(destination)) {
    throw executionError(`invalid destination label name in label_replace(): ${destination}`);
  }
  return vectorOf(
    vectorArg(call, 0).map((sample) => {
      const match = regex.exec(sample.labels[source] ?? '');
      if (!match) return sample;
      return { ...sample, labels: withLabel(sample.labels, destination, expandTemplate(replacement, match)) };
    }),
  );
}

function labelJoin(call: FunctionCall): Value {
  const destination = stringArg(call, 1);
  const separator = stringArg(call, 2);
  const sources = call.args.slice(3).map((_, i) => stringArg(call, i + 3));
  if (!LABEL_NAME.test(destination)) {
    throw executionError(`invalid destination label name in label_join(): ${destination}`);
  }
  return vectorOf(
    vectorArg(call, 0).map((sample) => {
      const joined = sources.map((name) => sample.labels[name] ?? '').join(separator);
      return { ...sample, labels: withLabel(sample.labels, destination, joined) };
    }),
  );
}

/** Sets a label, or removes it when the value is empty (an empty label does not exist in Prometheus). */
function withLabel(labels: Labels, name: string, value: string): Labels {
  if (value === '') return dropLabels(labels, [name]);
  return { ...labels, [name]: value };
}

/** Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; `$1x` names group "1x" as Go does. */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_whole, token: string, braced?: string, bare?: string) => {
    if (token === '$') return '$';
    const name = (braced ?? bare) as string;
    const group = /^\d+$/.test(name) ? match[Number(name)] : match.groups?.[name];
    return group ?? '';
  });
}
