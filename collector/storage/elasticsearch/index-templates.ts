// Index names and composable index templates of the Elasticsearch store. Each signal has one index per UTC
// day, `<prefix>-<signal>-YYYY.MM.DD`, created on the first bulk write into it and shaped by the template,
// so retention is a whole-index delete (no delete_by_query, which this project cannot rely on: it lives in
// the reindex module).
//
// Mappings are explicit and `dynamic: strict`: a field we did not declare fails the document loudly
// instead of growing the mapping. Attributes are not fields: every span's attributes, its resource's
// attributes and Jaeger's synthetic tags go into one keyword array `tags` of `key=value` terms (see
// span-document.ts for the escaping and why it beats `flattened` or nested key/value objects here).
import type { Client, estypes } from '@elastic/elasticsearch';

export type IndexSignal = 'spans' | 'edges' | 'logs';

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

const MAPPINGS: Record<IndexSignal, estypes.MappingTypeMapping> = { spans: SPAN_MAPPINGS, edges: EDGE_MAPPINGS, logs: LOG_MAPPINGS };

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

/** Creates or updates every template; indices created afterwards use them (existing ones keep theirs). */
export async function installTemplates(client: Client, names: IndexNames, settings: IndexSettings): Promise<void> {
  for (const signal of ['spans', 'edges', 'logs'] as const) {
    await client.indices.putIndexTemplate(templateBody(names, signal, settings));
  }
}
