// In-memory SeriesSource for unit tests (the storage backends implement the real ones).

import { labelsMatch, type LabelMatcher, type Series, type SeriesSource } from './series-source.js';

/** One sample, as tests write them. */
export interface Sample {
  timestampMs: number;
  value: number;
}

export class MemorySeriesSource implements SeriesSource {
  private readonly series: Series[] = [];

  /** Adds a series; samples are copied and sorted by time. */
  add(labels: Record<string, string>, samples: Sample[]): this {
    this.series.push(seriesOf(labels, samples));
    return this;
  }

  async select(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<Series[]> {
    const result: Series[] = [];
    for (const series of this.series) {
      if (!labelsMatch(matchers, series.labels)) continue;
      const window = inWindow(series, startMs, endMs);
      if (window.values.length > 0) result.push(window);
    }
    return result;
  }
}

/** A series holding copies of the samples, sorted by time. */
export function seriesOf(labels: Record<string, string>, samples: readonly Sample[]): Series {
  const sorted = [...samples].sort((a, b) => a.timestampMs - b.timestampMs);
  return {
    labels: { ...labels },
    timestampsMs: Float64Array.from(sorted, (s) => s.timestampMs),
    values: Float64Array.from(sorted, (s) => s.value),
  };
}

/** A copy of the series with only its samples in [startMs, endMs]. */
export function inWindow(series: Series, startMs: number, endMs: number): Series {
  const { timestampsMs, values } = series;
  let from = 0;
  while (from < timestampsMs.length && (timestampsMs[from] as number) < startMs) from++;
  let to = from;
  while (to < timestampsMs.length && (timestampsMs[to] as number) <= endMs) to++;
  return { labels: { ...series.labels }, timestampsMs: timestampsMs.slice(from, to), values: values.slice(from, to) };
}
