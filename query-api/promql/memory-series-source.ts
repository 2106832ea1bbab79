// In-memory SeriesSource for unit tests (the storage backends implement the real ones).

import { labelsMatch, type LabelMatcher, type Sample, type Series, type SeriesSource } from './series-source.js';

export class MemorySeriesSource implements SeriesSource {
  private readonly series: Series[] = [];

  /** Adds a series; samples are copied and sorted by time. */
  add(labels: Record<string, string>, samples: Sample[]): this {
    const sorted = samples.map((s) => ({ ...s })).sort((a, b) => a.timestampMs - b.timestampMs);
    this.series.push({ labels: { ...labels }, samples: sorted });
    return this;
  }

  async select(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<Series[]> {
    const result: Series[] = [];
    for (const series of this.series) {
      if (!labelsMatch(matchers, series.labels)) continue;
      const samples = series.samples.filter((s) => s.timestampMs >= startMs && s.timestampMs <= endMs);
      if (samples.length > 0) result.push({ labels: { ...series.labels }, samples });
    }
    return result;
  }
}
