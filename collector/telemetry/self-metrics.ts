// The hub's own metrics, served at GET /metrics on the query port. Names follow Prometheus conventions
// and the OTel Collector's (accepted/refused per receiver), so existing dashboards translate directly.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceGraphStats } from '../processors/service-graph.js';
import type { RetentionResult, RetentionSignal, StorageStats } from '../storage/api.js';
import type { BulkCounters } from '../storage/elasticsearch/bulk-writer.js';

export type Signal = 'spans' | 'log_records' | 'metric_points';

export class SelfMetrics {
  readonly registry = new Registry();

  readonly accepted = new Counter({
    name: 'meshscope_receiver_accepted_items_total',
    help: 'Items stored after a receiver decoded them.',
    labelNames: ['receiver', 'transport', 'signal'] as const,
    registers: [this.registry],
  });

  readonly refused = new Counter({
    name: 'meshscope_receiver_refused_items_total',
    help: 'Items a receiver refused, by reason (invalid, overloaded, storage_error).',
    labelNames: ['receiver', 'transport', 'signal', 'reason'] as const,
    registers: [this.registry],
  });

  readonly rejectedRequests = new Counter({
    name: 'meshscope_receiver_rejected_requests_total',
    help: 'Requests answered with an error status, by receiver and HTTP status.',
    labelNames: ['receiver', 'transport', 'status'] as const,
    registers: [this.registry],
  });

  readonly trimmedSpans = new Counter({
    name: 'meshscope_processor_trimmed_spans_total',
    help: 'Spans stored with attributes, events or links dropped or truncated to the configured limits.',
    labelNames: ['receiver', 'transport'] as const,
    registers: [this.registry],
  });

  readonly queuedItems = new Gauge({
    name: 'meshscope_pipeline_queued_items',
    help: 'Items accepted for writing that are not yet durable.',
    registers: [this.registry],
  });

  readonly storageWriteSeconds = new Histogram({
    name: 'meshscope_storage_write_seconds',
    help: 'Time from handing a batch to the store until it is durable.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly retentionRuns = new Counter({
    name: 'meshscope_retention_runs_total',
    help: 'Retention runs, by result (success, failure).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly retentionDroppedPartitions = new Counter({
    name: 'meshscope_retention_dropped_partitions_total',
    help: 'Day partitions dropped by retention, by signal.',
    labelNames: ['signal'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'meshscope_' });
  }

  /** Counts one retention run and what it dropped. */
  recordRetention(result: RetentionResult | 'failure'): void {
    if (result === 'failure') {
      this.retentionRuns.inc({ result: 'failure' });
      return;
    }
    this.retentionRuns.inc({ result: 'success' });
    for (const [signal, count] of Object.entries(result.droppedPartitions)) {
      this.retentionDroppedPartitions.inc({ signal }, count);
    }
  }

  /** Exposes the store's size by signal; stats() must be cheap (the store caches it). */
  observeStorage(stats: () => StorageStats): void {
    const signals: RetentionSignal[] = ['traces', 'logs', 'metrics'];
    new Gauge({
      name: 'meshscope_storage_bytes',
      help: 'Bytes of the tables and indexes of each signal, measured after each retention run.',
      labelNames: ['signal'] as const,
      registers: [this.registry],
      collect() {
        const { bytes } = stats();
        for (const signal of signals) this.set({ signal }, bytes[signal]);
      },
    });
    new Gauge({
      name: 'meshscope_storage_partitions',
      help: 'Day partitions holding data of each signal, counted after each retention run.',
      labelNames: ['signal'] as const,
      registers: [this.registry],
      collect() {
        const { partitions } = stats();
        for (const signal of signals) this.set({ signal }, partitions[signal]);
      },
    });
  }

  /** Exposes the request bytes receivers hold in memory, read at scrape time. */
  observeInflightBytes(used: () => number): void {
    new Gauge({
      name: 'meshscope_receiver_inflight_bytes',
      help: 'Request bytes all receivers hold in memory right now (capped by MESHSCOPE_MAX_INFLIGHT_BYTES).',
      registers: [this.registry],
      collect() {
        this.set(used());
      },
    });
  }

  /** Exposes the service-graph processor's counters, read at scrape time. */
  observeServiceGraph(stats: () => ServiceGraphStats): void {
    const counters: [keyof ServiceGraphStats, string, string][] = [
      ['matchedPairs', 'meshscope_service_graph_matched_pairs_total', 'Client/server span pairs matched into an edge.'],
      ['virtualEdges', 'meshscope_service_graph_virtual_edges_total', 'Calls recorded to a virtual node (database, uninstrumented peer, user).'],
      ['expiredUnpaired', 'meshscope_service_graph_expired_unpaired_total', 'Halves that found no partner and named no peer, dropped.'],
      ['evicted', 'meshscope_service_graph_evicted_total', 'Halves expired early because too many were waiting.'],
      ['duplicateHalves', 'meshscope_service_graph_duplicate_halves_total', 'Halves seen twice (usually a retried batch), ignored.'],
      ['storePairs', 'meshscope_service_graph_store_pairs_total', 'Calls completed with a half another collector stored.'],
      ['partnerLookups', 'meshscope_service_graph_partner_lookups_total', 'Batched store lookups for the other halves of expired halves.'],
      ['partnerLookupFailures', 'meshscope_service_graph_partner_lookup_failures_total', 'Partner lookups that failed or timed out (their halves resolved as unpaired).'],
    ];
    for (const [field, name, help] of counters) this.counterReadAtScrape(name, help, () => stats()[field]);
    new Gauge({
      name: 'meshscope_service_graph_pending_halves',
      help: 'Span halves waiting for their partner.',
      registers: [this.registry],
      collect() {
        this.set(stats().pendingHalves);
      },
    });
  }

  /** Exposes the Elasticsearch bulk writer's counters, read at scrape time. */
  observeElasticsearchWriter(counters: () => BulkCounters, pendingDocuments: () => number): void {
    const totals: [Exclude<keyof BulkCounters, 'failuresByReason'>, string, string][] = [
      ['bulkRequests', 'meshscope_elasticsearch_bulk_requests_total', 'Bulk requests sent to Elasticsearch.'],
      ['documentsIndexed', 'meshscope_elasticsearch_documents_indexed_total', 'Documents Elasticsearch acknowledged.'],
      ['documentRetries', 'meshscope_elasticsearch_document_retries_total', 'Documents sent again after a 429 or 503.'],
    ];
    for (const [field, name, help] of totals) this.counterReadAtScrape(name, help, () => counters()[field]);
    new Counter({
      name: 'meshscope_elasticsearch_documents_failed_total',
      help: 'Documents that failed for good (their write was refused to the client), by Elasticsearch error type.',
      labelNames: ['reason'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [reason, count] of Object.entries(counters().failuresByReason)) this.inc({ reason }, count);
      },
    });
    new Gauge({
      name: 'meshscope_elasticsearch_pending_documents',
      help: 'Documents queued for or in a bulk request, not yet acknowledged.',
      registers: [this.registry],
      collect() {
        this.set(pendingDocuments());
      },
    });
  }

  /** A counter whose value a component keeps itself, copied into the registry at each scrape. */
  private counterReadAtScrape(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }
}
