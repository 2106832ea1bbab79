// A SeriesSource that also accepts written samples, for tests of rule evaluation (a test double): input
// series and what rules write (recorded series, ALERTS) are read back by the same PromQL engine.

import type { PrometheusSample } from '../storage/api.js';
import { inWindow, seriesOf, type Sample } from '../../query-api/promql/memory-series-source.js';
import { labelsMatch, type LabelMatcher, type Series, type SeriesSource } from '../../query-api/promql/series-source.js';
import { labelSetKey } from './rule-query.js';

interface StoredSeries {
  labels: Record<string, string>;
  valuesByTimeMs: Map<number, number>;
}

export class MemorySampleStore implements SeriesSource {
  private readonly series = new Map<string, StoredSeries>();
  /** Every sample written through writeSamples, in order. */
  readonly written: PrometheusSample[] = [];

  /** Adds samples to the series with these labels (a later sample at the same time replaces the earlier). */
  add(labels: Record<string, string>, samples: Sample[]): this {
    const key = labelSetKey(labels);
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { labels: { ...labels }, valuesByTimeMs: new Map() }));
    for (const sample of samples) series.valuesByTimeMs.set(sample.timestampMs, sample.value);
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
    for (const stored of this.series.values()) {
      if (!labelsMatch(matchers, stored.labels)) continue;
      const samples = [...stored.valuesByTimeMs].map(([timestampMs, value]) => ({ timestampMs, value }));
      const window = inWindow(seriesOf(stored.labels, samples), startMs, endMs);
      if (window.values.length > 0) result.push(window);
    }
    return result;
  }
}
