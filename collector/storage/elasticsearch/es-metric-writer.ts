// The documents a write batch's samples and metric metadata become: a chunk per metric name and day, the
// series documents of that day, and a metadata document per metric name (versioned by write order, so
// the latest write wins however bulks interleave).
//
// A series document is the same every time it is written, and a scrape every 15 s would write it 5,760
// times a day; so this process remembers which (day, series) documents it has had acknowledged and
// skips them. Until then every write carries the document: a write resolves only once its samples are
// readable, and they are not without it. Retention invalidates that memory around each index deletion
// (see onIndicesDropping). A day's series index deleted by another process or by hand while this one
// still writes samples of that day would leave those chunks unlisted until a restart; retention only
// deletes days that have expired.
import { randomBytes } from 'node:crypto';
import type { MetricMetadata, PrometheusSample } from '../api.js';
import type { BulkDocument } from './bulk-writer.js';
import type { IndexNames } from './index-templates.js';
import { metadataDocumentId, seriesDaySamples, toChunkDocuments, toMetadataDocument } from './metric-document.js';
import { toSeriesDocument } from './series-document.js';

/** Bounds the memory of known series; beyond it the memory starts over (the cost: re-sent documents). */
const MAX_KNOWN_SERIES_DAYS = 1_000_000;

export interface MetricWrite {
  documents: BulkDocument[];
  /** Call once every document was acknowledged: the series documents then count as stored. */
  acknowledged(): void;
}

export class MetricDocuments {
  private known = new Set<string>();
  /** Bumped whenever indices may be deleted: a write built before then must not mark series as stored. */
  private generation = 0;

  constructor(private readonly names: IndexNames) {}

  documents(samples: readonly PrometheusSample[], metadata: readonly MetricMetadata[], writeSeq: number): MetricWrite {
    const documents: BulkDocument[] = [];
    const newSeriesDays: string[] = [];
    const series = seriesDaySamples(samples);
    for (const { dayMs, document } of toChunkDocuments(series, writeSeq)) {
      // The id is fixed before the first attempt, so a retried bulk replaces the chunk, never duplicates it.
      documents.push({ index: this.names.daily('samples', dayMs), id: randomBytes(12).toString('base64url'), json: JSON.stringify(document) });
    }
    for (const { seriesId, labels, dayMs } of series) {
      const seriesDay = `${dayMs}:${seriesId}`;
      if (this.known.has(seriesDay)) continue;
      newSeriesDays.push(seriesDay);
      documents.push({ index: this.names.daily('series', dayMs), id: seriesId, json: JSON.stringify(toSeriesDocument(seriesId, labels, dayMs)) });
    }
    for (const entry of metadata) {
      documents.push({
        index: this.names.metadata(),
        id: metadataDocumentId(entry.metric),
        json: JSON.stringify(toMetadataDocument(entry, writeSeq)),
        version: writeSeq,
      });
    }
    const generation = this.generation;
    return { documents, acknowledged: () => this.remember(newSeriesDays, generation) };
  }

  /** Retention calls this just before and just after deleting indices. */
  onIndicesDropping(): void {
    this.generation++;
    this.known.clear();
  }

  private remember(seriesDays: string[], generation: number): void {
    if (generation !== this.generation) return;
    if (this.known.size + seriesDays.length > MAX_KNOWN_SERIES_DAYS) this.known.clear();
    for (const seriesDay of seriesDays) this.known.add(seriesDay);
  }
}
