// Argument and return types of the PromQL functions the engine implements. The parser type-checks calls
// against this table; a function the grammar knows but we do not implement is a parse error.

import type { ValueType } from './ast.js';

export interface FunctionSignature {
  args: ValueType[];
  /** Arguments from this index on may be omitted. */
  minArgs: number;
  /** The last argument type repeats without limit (label_join). */
  variadic: boolean;
  returns: ValueType;
}

function sig(args: ValueType[], returns: ValueType, minArgs = args.length, variadic = false): FunctionSignature {
  return { args, minArgs, variadic, returns };
}

const RANGE_TO_VECTOR = sig(['matrix'], 'vector');
const VECTOR_TO_VECTOR = sig(['vector'], 'vector');
/** year(), hour(v), ...: the argument defaults to vector(time()). */
const DATE_FUNCTION = sig(['vector'], 'vector', 0);

export const FUNCTION_SIGNATURES: Readonly<Record<string, FunctionSignature>> = {
  rate: RANGE_TO_VECTOR,
  irate: RANGE_TO_VECTOR,
  increase: RANGE_TO_VECTOR,
  delta: RANGE_TO_VECTOR,
  idelta: RANGE_TO_VECTOR,
  changes: RANGE_TO_VECTOR,
  resets: RANGE_TO_VECTOR,
  avg_over_time: RANGE_TO_VECTOR,
  min_over_time: RANGE_TO_VECTOR,
  max_over_time: RANGE_TO_VECTOR,
  sum_over_time: RANGE_TO_VECTOR,
  count_over_time: RANGE_TO_VECTOR,
  last_over_time: RANGE_TO_VECTOR,
  present_over_time: RANGE_TO_VECTOR,
  absent_over_time: RANGE_TO_VECTOR,
  quantile_over_time: sig(['scalar', 'matrix'], 'vector'),
  stddev_over_time: RANGE_TO_VECTOR,
  stdvar_over_time: RANGE_TO_VECTOR,
  deriv: RANGE_TO_VECTOR,
  predict_linear: sig(['matrix', 'scalar'], 'vector'),
  double_exponential_smoothing: sig(['matrix', 'scalar', 'scalar'], 'vector'),
  histogram_quantile: sig(['scalar', 'vector'], 'vector'),
  abs: VECTOR_TO_VECTOR,
  ceil: VECTOR_TO_VECTOR,
  floor: VECTOR_TO_VECTOR,
  exp: VECTOR_TO_VECTOR,
  sqrt: VECTOR_TO_VECTOR,
  ln: VECTOR_TO_VECTOR,
  log2: VECTOR_TO_VECTOR,
  log10: VECTOR_TO_VECTOR,
  sgn: VECTOR_TO_VECTOR,
  sin: VECTOR_TO_VECTOR,
  cos: VECTOR_TO_VECTOR,
  tan: VECTOR_TO_VECTOR,
  asin: VECTOR_TO_VECTOR,
  acos: VECTOR_TO_VECTOR,
  atan: VECTOR_TO_VECTOR,
  sinh: VECTOR_TO_VECTOR,
  cosh: VECTOR_TO_VECTOR,
  tanh: VECTOR_TO_VECTOR,
  asinh: VECTOR_TO_VECTOR,
  acosh: VECTOR_TO_VECTOR,
  atanh: VECTOR_TO_VECTOR,
  deg: VECTOR_TO_VECTOR,
  rad: VECTOR_TO_VECTOR,
  pi: sig([], 'scalar'),
  year: DATE_FUNCTION,
  month: DATE_FUNCTION,
  day_of_month: DATE_FUNCTION,
  day_of_week: DATE_FUNCTION,
  day_of_year: DATE_FUNCTION,
  days_in_month: DATE_FUNCTION,
  hour: DATE_FUNCTION,
  minute: DATE_FUNCTION,
  round: sig(['vector', 'scalar'], 'vector', 1),
  clamp: sig(['vector', 'scalar', 'scalar'], 'vector'),
  clamp_min: sig(['vector', 'scalar'], 'vector'),
  clamp_max: sig(['vector', 'scalar'], 'vector'),
  time: sig([], 'scalar'),
  vector: sig(['scalar'], 'vector'),
  scalar: sig(['vector'], 'scalar'),
  absent: VECTOR_TO_VECTOR,
  label_replace: sig(['vector', 'string', 'string', 'string', 'string'], 'vector'),
  label_join: sig(['vector', 'string', 'string', 'string'], 'vector', 3, true),
  sort: VECTOR_TO_VECTOR,
  sort_desc: VECTOR_TO_VECTOR,
  timestamp: VECTOR_TO_VECTOR,
};

const NATIVE_HISTOGRAMS_ONLY = 'it reads native histograms, which Meshscope does not store (classic bucket series work with histogram_quantile)';

/** Why functions Prometheus has are refused here; the parser puts the reason in its error. */
export const UNSUPPORTED_FUNCTION_REASONS: Readonly<Record<string, string>> = {
  histogram_count: NATIVE_HISTOGRAMS_ONLY,
  histogram_sum: NATIVE_HISTOGRAMS_ONLY,
  histogram_fraction: NATIVE_HISTOGRAMS_ONLY,
  histogram_avg: NATIVE_HISTOGRAMS_ONLY,
  histogram_stddev: NATIVE_HISTOGRAMS_ONLY,
  histogram_stdvar: NATIVE_HISTOGRAMS_ONLY,
};

/** Prometheus' names for value types, as they appear in its error messages. */
export function describeType(type: ValueType): string {
  switch (type) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return type;
  }
}
