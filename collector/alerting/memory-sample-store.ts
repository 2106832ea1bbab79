// A SeriesSource that also accepts written samples, for tests of rule evaluation (a test double): input
// series and what rules write (recorded series, ALERTS) are read back by the same PromQL engine.

import type { PrometheusSample } from '../storage/api.js';
import { labelsMatch, type LabelMatcher, type Sample, type Series, type SeriesSource } from '../../query-api/promql/series-source.js';
import { labelSetKey } from './rule-query.js';

export class MemorySampleStore implements SeriesSource {
  private readonly series = new Map<string, Series>();
  /** Every sample written through writeSamples, in order. */
  readonly written: PrometheusSample[] = [];

  /** Adds samples to the series with these labels (a later sample at the same time replaces the earlier). */
  add(labels: Record<string, string>, samples: Sample[]): this {
    const key = labelSetKey(labels);
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { labels: { ...labels }, samples: [] }));
    for (const sample of samples) {
      const existing = series.samples.findIndex((s) => s.timestampMs === sample.timestampMs);
      if (existing >= 0) series.samples.splice(existing, 1);
      series.samples.push({ ...sample });
    }
    series.samples.sort((a, b) => a.timestampMs - b.timestampMs);
    return this;
  }

  async writeSamples(samples: PrometheusSample[]): Promise<void> {
    for (const sample of samples) {
      this.written.push({ ...sample, labels: { ...sample.labels } });
      this.add(sample.labels, [{ timestampMs: sample.timestampMs, value: sample.value }]);
    }
  }

  async select(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<Series[]> {
    const result: Series[] = [];
    for (const series of this.series.values()) {
      if (!labelsMatch(matchers, series.labels)) continue;
      const samples = series.samples.filter((s) => s.timestampMs >= startMs && s.timestampMs <= endMs).map((s) => ({ ...s }));
      if (samples.length > 0) result.push({ labels: { ...series.labels }, samples });
    }
    return result;
  }
}
