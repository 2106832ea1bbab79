// promtool's input_series notation (`0+10x20`, `1 _ 3`, `5-1x4`, `_x3`), expanded to samples so tests
// can load exactly the data promtool loads.

import { parsePromql } from '../../query-api/promql/parser.js';
import type { Sample } from '../../query-api/promql/memory-series-source.js';

const UNSIGNED = String.raw`(?:Inf|inf|NaN|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)`;
const NUMBER = `[-+]?${UNSIGNED}`;
const EXPANDING = new RegExp(`^(${NUMBER})(?:([-+])(${UNSIGNED}))?x(\\d+)$`);
const SINGLE = new RegExp(`^${NUMBER}$`);

/** Values in order; undefined where the notation leaves a gap (`_`). */
export function expandValues(notation: string): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (const item of notation.trim().split(/\s+/)) {
    if (item === '') continue;
    if (item === 'stale' || item.startsWith('stale')) throw new Error('stale markers are not supported');
    const blanks = /^_(?:x(\d+))?$/.exec(item);
    if (blanks) {
      out.push(...new Array<undefined>(blanks[1] === undefined ? 1 : Number(blanks[1])).fill(undefined));
      continue;
    }
    if (SINGLE.test(item)) {
      out.push(parseNumber(item));
      continue;
    }
    const expanding = EXPANDING.exec(item);
    if (!expanding) throw new Error(`invalid series value ${JSON.stringify(item)}`);
    const [, start, sign, step, times] = expanding as unknown as [string, string, string | undefined, string | undefined, string];
    const increment = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * parseNumber(step as string);
    // Repeated addition, as promtool does, so non-integer steps accumulate the same rounding.
    let value = parseNumber(start);
    out.push(value);
    for (let i = 0; i < Number(times); i++) out.push((value += increment));
  }
  return out;
}

function parseNumber(text: string): number {
  const unsigned = text.replace(/^[-+]/, '');
  const sign = text.startsWith('-') ? -1 : 1;
  if (/^inf$/i.test(unsigned)) return sign * Infinity;
  if (unsigned === 'NaN') return NaN;
  return sign * Number(unsigned);
}

/** A series line such as `http_requests_total{job="api"}` as a label set. */
export function parseSeriesLabels(series: string): Record<string, string> {
  const expr = parsePromql(series);
  if (expr.type !== 'vectorSelector' || expr.matchers.some((m) => m.op !== '=')) {
    throw new Error(`not a series description: ${series}`);
  }
  return Object.fromEntries(expr.matchers.map((m) => [m.name, m.value]));
}

/** Samples of one input series: the i-th value sits at i * interval. */
export function seriesSamples(values: string, intervalMs: number): Sample[] {
  const samples: Sample[] = [];
  expandValues(values).forEach((value, i) => {
    if (value !== undefined) samples.push({ timestampMs: i * intervalMs, value });
  });
  return samples;
}
