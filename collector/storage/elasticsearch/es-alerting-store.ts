// API-made alert rules, alert state, the published alerting status and the evaluation lease on
// Elasticsearch, so collectors sharing a cluster share them too. They live in one small index,
// `<prefix>-alerting`, not a daily one: retention must never drop them. Each document has a `type`
// (rule, state, status, lease), the `key` it is found by (rule id, rule key) and its `body`, kept in
// _source only; NaN and infinities are encoded as the SQLite store does (JSON has neither).
//
// Reads after a write see it: single documents are read with GET, which is real time, and every write
// that a search lists waits for the refresh (refresh=wait_for, at most refresh_interval = 1 s).
//
// The lease is one document, changed with optimistic concurrency: created with op_type=create when
// absent, renewed or taken over with if_seq_no/if_primary_term of the version just read. Whichever of
// two racing writers comes second gets 409 and the answer false.
import { createHash } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import type { AlertingStatusSnapshot, AlertingStore, AlertInstance, ApiRule } from '../../alerting/model.js';
import { fromStoredJson, toStoredJson } from '../../alerting/stored-json.js';
import { MeshscopeError } from '../../errors.js';
import { transportError } from './bulk-writer.js';
import type { IndexNames } from './index-templates.js';

export interface ElasticsearchAlertingStoreOptions {
  /** A query node: reads what the evaluating collector wrote, never writes, installs nothing. */
  readOnly: boolean;
}

type DocumentType = 'rule' | 'state' | 'status' | 'lease';

interface AlertingDocument {
  type: DocumentType;
  key: string;
  body: unknown;
}

interface LeaseBody {
  holder: string;
  /** On the clock of the holder that took or renewed it. */
  expiresAtMs: number;
}

const MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    type: { type: 'keyword' },
    key: { type: 'keyword' },
    body: { type: 'object', enabled: false },
  },
};

/**
 * One shard: a few thousand small documents at most. auto_expand_replicas keeps a copy on a second node
 * when there is one and stays green on a single node. refresh_interval is explicit so the index is never
 * search-idle and writes with refresh=wait_for return within a second.
 */
const SETTINGS: estypes.IndicesIndexSettings = {
  number_of_shards: 1,
  auto_expand_replicas: '0-1',
  refresh_interval: '1s',
};

const PAGE_SIZE = 1_000;
const READ_ONLY = 'this query node reads rules and alerts only; change rules on the collector (meshscope collector or all-in-one)';

export class ElasticsearchAlertingStore implements AlertingStore {
  readonly index: string;

  constructor(
    private readonly client: Client,
    names: IndexNames,
    private readonly options: ElasticsearchAlertingStoreOptions,
  ) {
    this.index = alertingIndexName(names);
  }

  /** Installs the template and creates the index (both idempotent); a read-only store checks nothing. */
  async start(): Promise<void> {
    if (this.options.readOnly) return;
    try {
      await this.client.indices.putIndexTemplate({
        name: this.index,
        index_patterns: [this.index],
        priority: 200,
        template: { settings: SETTINGS, mappings: MAPPINGS },
        _meta: { managed_by: 'meshscope' },
      });
      await this.client.indices.create({ index: this.index });
    } catch (error) {
      if (!isAlreadyThere(error)) throw transportError(error);
    }
  }

  async listApiRules(): Promise<ApiRule[]> {
    return (await this.search('rule')).map((document) => decode<ApiRule>(document.body));
  }

  async putApiRule(rule: ApiRule): Promise<void> {
    this.requireWritable();
    await this.call(() => this.client.index({ index: this.index, id: documentId('rule', rule.id), document: encoded('rule', rule.id, rule), refresh: 'wait_for' }));
  }

  async deleteApiRule(id: string): Promise<boolean> {
    this.requireWritable();
    const answer = await this.call(() =>
      this.client.delete({ index: this.index, id: documentId('rule', id), refresh: 'wait_for' }, { ignore: [404] }),
    );
    return answer.result === 'deleted';
  }

  async loadAlertStates(): Promise<Map<string, AlertInstance[]>> {
    const states = new Map<string, AlertInstance[]>();
    for (const document of await this.search('state')) states.set(document.key, decode<{ alerts: AlertInstance[] }>(document.body).alerts);
    return states;
  }

  async saveAlertStates(states: Map<string, AlertInstance[]>): Promise<void> {
    this.requireWritable();
    if (states.size === 0) return;
    const operations: object[] = [];
    for (const [key, alerts] of states) {
      const id = documentId('state', key);
      if (alerts.length === 0) operations.push({ delete: { _index: this.index, _id: id } });
      else operations.push({ index: { _index: this.index, _id: id } }, encoded('state', key, { alerts }));
    }
    const answer = await this.call(() => this.client.bulk({ operations, refresh: 'wait_for' }));
    // A delete of a state that was never saved answers 404 and is not a failure.
    const failed = answer.items.map((item) => Object.values(item)[0]!).find((result) => result.error !== undefined && result.status !== 404);
    if (failed !== undefined) {
      throw new MeshscopeError(failed.status >= 500 || failed.status === 429 ? 'unavailable' : 'internal', `saving alert states failed: ${failed.error?.type}: ${failed.error?.reason}`);
    }
  }

  async saveStatus(status: AlertingStatusSnapshot): Promise<void> {
    this.requireWritable();
    await this.call(() => this.client.index({ index: this.index, id: documentId('status', ''), document: encoded('status', '', status) }));
  }

  async loadStatus(): Promise<AlertingStatusSnapshot | undefined> {
    const found = await this.get('status', '');
    return found === undefined ? undefined : decode<AlertingStatusSnapshot>(found.document.body);
  }

  async acquireLease(holder: string, ttlMs: number): Promise<boolean> {
    this.requireWritable();
    const nowMs = Date.now();
    const id = documentId('lease', '');
    const document = encoded('lease', '', { holder, expiresAtMs: nowMs + ttlMs } satisfies LeaseBody);
    const current = await this.get('lease', '');
    if (current !== undefined) {
      const lease = current.document.body as LeaseBody;
      if (lease.holder !== holder && lease.expiresAtMs > nowMs) return false;
    }
    try {
      if (current === undefined) await this.client.create({ index: this.index, id, document });
      else await this.client.index({ index: this.index, id, document, if_seq_no: current.seqNo, if_primary_term: current.primaryTerm });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw transportError(error);
    }
  }

  async releaseLease(holder: string): Promise<void> {
    this.requireWritable();
    const current = await this.get('lease', '');
    if (current === undefined || (current.document.body as LeaseBody).holder !== holder) return;
    await this.call(() =>
      // 409: renewed or taken over since the read; 404: released meanwhile. Either way not ours to delete.
      this.client.delete({ index: this.index, id: documentId('lease', ''), if_seq_no: current.seqNo, if_primary_term: current.primaryTerm }, { ignore: [404, 409] }),
    );
  }

  /** Every document of the type, by key; none when the index does not exist yet (a query node before the collector). */
  private async search(type: DocumentType): Promise<AlertingDocument[]> {
    const documents: AlertingDocument[] = [];
    let after: estypes.SortResults | undefined;
    for (;;) {
      const answer = await this.call(() =>
        this.client.search<AlertingDocument>(
          {
            index: this.index,
            query: { term: { type } },
            sort: [{ key: 'asc' }],
            size: PAGE_SIZE,
            track_total_hits: false,
            ...(after === undefined ? {} : { search_after: after }),
          },
          { ignore: [404] },
        ),
      );
      const hits = answer.hits?.hits ?? [];
      for (const hit of hits) documents.push(hit._source!);
      if (hits.length < PAGE_SIZE) return documents;
      after = hits[hits.length - 1]!.sort;
    }
  }

  private async get(type: DocumentType, key: string): Promise<{ document: AlertingDocument; seqNo: number; primaryTerm: number } | undefined> {
    const answer = await this.call(() => this.client.get<AlertingDocument>({ index: this.index, id: documentId(type, key) }, { ignore: [404] }));
    if (!answer.found || answer._source === undefined) return undefined;
    return { document: answer._source, seqNo: answer._seq_no!, primaryTerm: answer._primary_term! };
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw transportError(error);
    }
  }

  private requireWritable(): void {
    if (this.options.readOnly) throw new MeshscopeError('conflict', READ_ONLY);
  }
}

/** The name of the index and of its template. */
export function alertingIndexName(names: IndexNames): string {
  return `${names.prefix}-alerting`;
}

/** Ids are hashes: rule keys hold file paths and group names, which may exceed the 512-byte id limit. */
function documentId(type: DocumentType, key: string): string {
  return `${type}-${createHash('sha256').update(key).digest('hex')}`;
}

function encoded(type: DocumentType, key: string, body: unknown): AlertingDocument {
  return { type, key, body: JSON.parse(toStoredJson(body)) };
}

function decode<T>(body: unknown): T {
  return fromStoredJson<T>(JSON.stringify(body));
}

function isAlreadyThere(error: unknown): boolean {
  return error instanceof errors.ResponseError && (error.body as { error?: { type?: string } })?.error?.type === 'resource_already_exists_exception';
}

function isConflict(error: unknown): boolean {
  return error instanceof errors.ResponseError && error.statusCode === 409;
}
