// Item-level rules shared by the protobuf and JSON decoders, so both refuse exactly the same items for
// the same reasons. Each check returns '' when the item is fine, else the reason it is rejected.
import { isValidSpanId, isValidTraceId } from '../../model/attributes.js';
import type {
  AggregationTemporality,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  SummaryDataPoint,
} from '../../model/model.js';
import type { Rejections } from '../common/rejections.js';

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

const REASON_TRACE_ID = 'invalid trace id (need 16 bytes, not all zero)';
const REASON_SPAN_ID = 'invalid span id (need 8 bytes, not all zero)';

/** Ids of a span (parent after parentSpanIdOf): trace and span id valid; the parent empty (root) or valid. */
export function spanIdsProblem(traceId: string, spanId: string, parentSpanId: string): string {
  if (!isValidTraceId(traceId)) return REASON_TRACE_ID;
  if (!isValidSpanId(spanId)) return REASON_SPAN_ID;
  if (parentSpanId !== '' && !isValidSpanId(parentSpanId)) return 'invalid parent span id (need 8 bytes or none)';
  return '';
}

/** An all-zero parent span id means "no parent", as the Collector's pdata reads it. */
export function parentSpanIdOf(hex: string): string {
  return hex === ZERO_SPAN_ID ? '' : hex;
}

/** Optional trace id (logs, exemplars): '' when absent or all zero, else kept as given. */
export function optionalTraceIdOf(hex: string): string {
  return hex === ZERO_TRACE_ID ? '' : hex;
}

export function optionalSpanIdOf(hex: string): string {
  return hex === ZERO_SPAN_ID ? '' : hex;
}

/** Ids of a log record or exemplar, after optional*IdOf: each either absent or well-formed. */
export function optionalIdsProblem(traceId: string, spanId: string): string {
  if (traceId !== '' && !isValidTraceId(traceId)) return REASON_TRACE_ID;
  if (spanId !== '' && !isValidSpanId(spanId)) return REASON_SPAN_ID;
  return '';
}

export function isSpanKind(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 5;
}

export function isStatusCode(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 2;
}

export function isSeverityNumber(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 24;
}

const TEMPORALITIES: readonly AggregationTemporality[] = ['unspecified', 'delta', 'cumulative'];

/** The model's name for an AggregationTemporality enum value, or undefined when out of range. */
function temporalityOf(value: number): AggregationTemporality | undefined {
  return TEMPORALITIES[value];
}

/** A histogram needs one more bucket than bounds (or no buckets at all). */
export function histogramProblem(point: HistogramDataPoint): string {
  const buckets = point.bucketCounts.length;
  return buckets === 0 || buckets === point.explicitBounds.length + 1
    ? ''
    : 'histogram bucket_counts must have one more entry than explicit_bounds';
}

/** DataPointFlags.FLAG_NO_RECORDED_VALUE: the point marks a gap, so it legitimately has no value. */
export const FLAG_NO_RECORDED_VALUE = 1;

export const REASON_NO_VALUE = 'number data point without a value';
const REASON_NO_METRIC_NAME = 'metric without a name';
const REASON_NO_METRIC_DATA = 'metric without data';
const REASON_TEMPORALITY = 'invalid aggregation temporality';

/** The `data` oneof of a Metric, before the metric-level checks. */
export type MetricData =
  | { type: 'gauge'; points: NumberDataPoint[] }
  | { type: 'sum'; temporality: number; isMonotonic: boolean; points: NumberDataPoint[] }
  | { type: 'histogram'; temporality: number; points: HistogramDataPoint[] }
  | { type: 'exponential_histogram'; temporality: number; points: ExponentialHistogramDataPoint[] }
  | { type: 'summary'; points: SummaryDataPoint[] };

export type MetricBase = Pick<Metric, 'name' | 'description' | 'unit' | 'serviceName' | 'resource' | 'scope'>;

/** Applies the metric-level checks, counting every point of a refused metric; null when refused. */
export function metricOf(base: MetricBase, data: MetricData | null, rejections: Rejections): Metric | null {
  if (data === null) {
    rejections.add(REASON_NO_METRIC_DATA, 0);
    return null;
  }
  if (base.name === '') {
    rejections.add(REASON_NO_METRIC_NAME, data.points.length);
    return null;
  }
  if (data.type === 'gauge' || data.type === 'summary') return { ...base, ...data };
  const temporality = temporalityOf(data.temporality);
  if (temporality === undefined) {
    rejections.add(REASON_TEMPORALITY, data.points.length);
    return null;
  }
  return { ...base, ...data, temporality };
}
