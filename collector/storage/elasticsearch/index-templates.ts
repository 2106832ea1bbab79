// Index names and composable index templates of the Elasticsearch store. Each signal has one index per UTC
// day, `<prefix>-<signal>-YYYY.MM.DD` (metric metadata excepted: one small index), created on the first
// bulk write into it and shaped by the template, so retention is a whole-index delete (no delete_by_query,
// which this project cannot rely on: it lives in the reindex module).
//
// Mappings are explicit and `dynamic: strict`: a field we did not declare fails the document loudly
// instead of growing the mapping. Attributes are not fields: every span's attributes, its resource's
// attributes and Jaeger's synthetic tags go into one keyword array `tags` of `key=value` terms (see
// span-document.ts for the escaping and why it beats `flattened` or nested key/value objects here).
import type { Client, estypes } from '@elastic/elasticsearch';

export type IndexSignal = 'spans' | 'edges' | 'logs' | 'series' | 'samples';

const MS_PER_DAY = 86_400_000;

export interface IndexSettings {
  /** Primary shards per daily index. Default 1: a day of one signal rarely needs more below ~50 GB. */
  shards: number;
  /** Replicas per daily index. Default 1; a one-node cluster needs 0 to be green. */
  replicas: number;
}

export class IndexNames {
  constructor(readonly prefix: string) {}

  /** The daily index holding documents of the signal whose time falls on the UTC day of `unixMs`. */
  daily(signal: IndexSignal, unixMs: number): string {
    const date = new Date(Math.floor(unixMs / MS_PER_DAY) * MS_PER_DAY);
    const day = `${date.getUTCFullYear()}.${pad(date.getUTCMonth() + 1)}.${pad(date.getUTCDate())}`;
    return `${this.prefix}-${signal}-${day}`;
  }

  /** Every daily index of the signal, for searches (shards outside a time range are skipped by can_match). */
  pattern(signal: IndexSignal): string {
    return `${this.prefix}-${signal}-*`;
  }

  template(signal: IndexSignal): string {
    return `${this.prefix}-${signal}`;
  }

  /** The one index of metric metadata (a document per metric name, not daily); also its template's name. */
  metadata(): string {
    return `${this.prefix}-metadata`;
  }

  /** The UTC midnight (Unix ms) of a daily index of the signal, or undefined for any other name. */
  dayOf(signal: IndexSignal, index: string): number | undefined {
    const match = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(index.slice(`${this.prefix}-${signal}-`.length));
    if (!index.startsWith(`${this.prefix}-${signal}-`) || match === null) return undefined;
    const dayMs = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    return Number.isNaN(dayMs) ? undefined : dayMs;
  }
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

const SPAN_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    traceId: { type: 'keyword' },
    spanId: { type: 'keyword' },
    /** '' for a root span; the service graph looks up a span's children by it. */
    parentSpanId: { type: 'keyword' },
    /** `<spanId>:<kind>`: one field to sort and deduplicate the versions of a span by. */
    spanKey: { type: 'keyword' },
    kind: { type: 'byte' },
    service: { type: 'keyword' },
    operation: { type: 'keyword' },
    startUs: { type: 'long' },
    durationUs: { type: 'long' },
    /** When the write was accepted (a per-process increasing µs count): the latest version of a span wins. */
    writeSeq: { type: 'long' },
    tags: { type: 'keyword' },
    /** The span itself, for reading back only: kept in _source, never indexed. */
    span: { type: 'object', enabled: false },
  },
};

const EDGE_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    minuteMs: { type: 'long' },
    client: { type: 'keyword' },
    server: { type: 'keyword' },
    connectionType: { type: 'keyword' },
    writeSeq: { type: 'long' },
    /** One increment (calls, errors, histograms): summed per key at read time, never indexed. */
    increment: { type: 'object', enabled: false },
  },
};

/** See log-document.ts: lower-cased search copies, the body's own words, the record unindexed. */
const LOG_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    /** ns; sent as decimal text, which Elasticsearch parses exactly into the long. */
    time_ns: { type: 'long' },
    observed_ns: { type: 'long' },
    /** Tie-breaker of equal times: write order, unique, sorts as text. */
    seq: { type: 'keyword' },
    severity: { type: 'byte' },
    severity_level: { type: 'byte' },
    severity_text: { type: 'keyword' },
    service: { type: 'keyword' },
    service_lc: { type: 'keyword' },
    instance: { type: 'keyword' },
    trace_id: { type: 'keyword' },
    span_id: { type: 'keyword' },
    /** Phrases need positions, nothing scores: no norms, no frequencies beyond what positions imply. */
    words: { type: 'text', analyzer: 'whitespace', norms: false },
    tags: { type: 'keyword' },
    log: { type: 'object', enabled: false },
  },
};

/** See series-document.ts: a series per day, its labels as `name=value` terms for the prefilter. */
const SERIES_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    /** The same series has the same id (and document id) every day. */
    seriesId: { type: 'keyword' },
    dayMs: { type: 'long' },
    name: { type: 'keyword' },
    /** Only searched (term, prefix), never sorted or aggregated. */
    labels: { type: 'keyword', doc_values: false },
    labelSet: { type: 'object', enabled: false },
  },
};

/** See metric-document.ts: a chunk per metric name and write batch, the samples unindexed. */
const SAMPLE_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    /** Searched (terms) and aggregated on, to tell which series have samples in a window. */
    seriesIds: { type: 'keyword' },
    minTimeMs: { type: 'long', doc_values: false },
    maxTimeMs: { type: 'long', doc_values: false },
    /** Only read back, never searched. */
    writeSeq: { type: 'long', index: false, doc_values: false },
    samples: { type: 'object', enabled: false },
  },
};

const METADATA_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    metric: { type: 'keyword' },
    type: { type: 'keyword' },
    help: { type: 'keyword', index: false, doc_values: false },
    unit: { type: 'keyword' },
    writeSeq: { type: 'long', index: false },
  },
};

const MAPPINGS: Record<IndexSignal, estypes.MappingTypeMapping> = {
  spans: SPAN_MAPPINGS,
  edges: EDGE_MAPPINGS,
  logs: LOG_MAPPINGS,
  series: SERIES_MAPPINGS,
  samples: SAMPLE_MAPPINGS,
};

/**
 * refresh_interval is set explicitly to 1 s: an index that sets it is never "search idle", so a scheduled
 * refresh runs every second even while nobody searches, and bulk writes with refresh=wait_for return
 * within about a second instead of waiting for the next search to wake the shard.
 */
function templateBody(names: IndexNames, signal: IndexSignal, settings: IndexSettings): estypes.IndicesPutIndexTemplateRequest {
  return {
    name: names.template(signal),
    index_patterns: [names.pattern(signal)],
    priority: 200,
    template: {
      settings: {
        number_of_shards: settings.shards,
        number_of_replicas: settings.replicas,
        refresh_interval: '1s',
      },
      mappings: MAPPINGS[signal],
    },
    _meta: { managed_by: 'meshscope' },
  };
}

/**
 * Creates or updates every template, then brings the mappings of existing indices up to date: a template
 * only shapes indices created after it, and a strict mapping would refuse a field this version adds to
 * today's index. Adding fields is all a newer version may do; a changed field type fails start-up here,
 * with Elasticsearch's reason, rather than every write later.
 */
export async function installTemplates(client: Client, names: IndexNames, settings: IndexSettings): Promise<void> {
  for (const signal of ['spans', 'edges', 'logs', 'series', 'samples'] as const) {
    await client.indices.putIndexTemplate(templateBody(names, signal, settings));
    await updateExistingMappings(client, names.pattern(signal), MAPPINGS[signal]);
  }
  await client.indices.putIndexTemplate(metadataTemplateBody(names, settings));
  await updateExistingMappings(client, names.metadata(), METADATA_MAPPINGS);
}

async function updateExistingMappings(client: Client, index: string, mappings: estypes.MappingTypeMapping): Promise<void> {
  await client.indices.putMapping({ index, properties: mappings.properties, allow_no_indices: true, ignore_unavailable: true });
}

/** Metadata stays small (a document per metric name): one shard, created by its first write. */
function metadataTemplateBody(names: IndexNames, settings: IndexSettings): estypes.IndicesPutIndexTemplateRequest {
  return {
    name: names.metadata(),
    index_patterns: [names.metadata()],
    priority: 200,
    template: {
      settings: { number_of_shards: 1, number_of_replicas: settings.replicas, refresh_interval: '1s' },
      mappings: METADATA_MAPPINGS,
    },
    _meta: { managed_by: 'meshscope' },
  };
}
