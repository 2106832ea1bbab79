// Assembles alerting for a process that writes the store: the PromQL engine over the store's series,
// the evaluator writing recorded series and ALERTS through the store's writer, the notifiers, example
// traces from the trace store, and the rule sources. An invalid rule file at start-up is a configuration
// error naming MESHSCOPE_RULES_FILE, as Prometheus refuses to start on one.
//
// Several collectors may share one store: only the one holding the evaluation lease evaluates, sends and
// publishes the status (alerting-service.ts); shutdown publishes a last status and releases the lease.
import { PromqlEngine } from '../../query-api/promql/engine.js';
import { ConfigError, type AlertingConfig } from '../config/config.js';
import type { Storage } from '../storage/api.js';
import type { AlertingMetrics } from '../telemetry/alerting-metrics.js';
import { liveAlertingApi, StoredAlertingApi, type AlertingApi } from './alerting-api.js';
import { AlertingService, type ReloadStatus } from './alerting-service.js';
import type { LeaseTiming } from './evaluation-lease.js';
import { RuleEvaluator } from './evaluator.js';
import { exampleTraceFinder } from './example-traces.js';
import type { AlertingStatusSnapshot, AlertingStore, Notifier } from './model.js';
import { createNotifiers } from './notify/create-notifiers.js';
import { RuleLoadError } from './rule-loader.js';
import { expandTemplate } from './templates.js';

/** Example trace ids per alert in notifications. */
const EXAMPLE_TRACES_PER_ALERT = 3;
/** How long shutdown waits for queued notifications. */
const NOTIFIER_DRAIN_MS = 5_000;

/** How often, at most, the status is published for read-only query nodes. */
const STATUS_PUBLISH_INTERVAL_MS = 1000;

export interface Alerting {
  api: AlertingApi;
  /** Reloads rule files (SIGHUP, POST /-/reload); never throws, the status says what happened. */
  reload(): Promise<ReloadStatus>;
  /** Stops evaluating, publishes a last status, releases the evaluation lease, drains notifications. Idempotent. */
  shutdown(): Promise<void>;
}

export interface AlertingStartOptions {
  config: AlertingConfig;
  storage: Storage;
  metrics: AlertingMetrics;
  /** The UI's address for generatorURL and the webhook's externalURL. */
  externalUrl: string;
  log: (message: string) => void;
  /** The evaluation lease's holder id and timing; defaults: newHolderId(), from the group intervals. */
  lease?: { holder?: string; timing?: LeaseTiming };
}

export async function startAlerting(options: AlertingStartOptions): Promise<Alerting> {
  const { config, storage, metrics, externalUrl, log } = options;
  const engine = new PromqlEngine(storage.metrics);
  const notifiers: Notifier[] = createNotifiers({
    webhookUrls: config.webhookUrls,
    alertmanagerUrls: config.alertmanagerUrls,
    externalURL: externalUrl,
    metrics: metrics.notifierMetrics,
    log,
  });
  const publisher = new StatusPublisher(
    storage.alerting,
    () => {
      const groups = service.evaluatedGroups();
      return groups === undefined ? undefined : { savedAtMs: Date.now(), groups, rules: service.listRules() };
    },
    log,
  );
  const createEvaluator = (active: () => boolean): RuleEvaluator =>
    new RuleEvaluator({
      query: (expr, timeMs) => engine.evaluateInstant(expr, timeMs),
      writeSamples: (samples) => storage.writer.write({ spans: [], logs: [], samples, metricMetadata: [], edges: [] }),
      store: storage.alerting,
      notifiers,
      expandTemplate,
      externalURL: externalUrl,
      findExampleTraces: exampleTraceFinder({ traces: storage.traces, count: EXAMPLE_TRACES_PER_ALERT }),
      active,
      hooks: {
        ...metrics.evaluatorHooks,
        groupEvaluated: (group, durationMs) => {
          metrics.evaluatorHooks.groupEvaluated?.(group, durationMs);
          publisher.schedule();
        },
      },
    });
  const service = new AlertingService({
    createEvaluator,
    store: storage.alerting,
    rulesFiles: config.rulesFiles,
    defaultIntervalMs: config.ruleIntervalMs,
    holder: options.lease?.holder,
    leaseTiming: options.lease?.timing,
    // Rule changes are published at once, so a query node lists a new rule before its first evaluation.
    onChange: () => publisher.schedule(),
    log,
  });
  try {
    await service.start();
  } catch (error) {
    await Promise.all(notifiers.map((notifier) => notifier.close(0)));
    if (error instanceof RuleLoadError) throw new ConfigError(`MESHSCOPE_RULES_FILE is '${config.rulesFiles}'; ${error.message}`);
    throw error;
  }
  metrics.recordReload(true, service.lastReload().lastAttemptMs);
  const reload = async (): Promise<ReloadStatus> => {
    const status = await service.reload();
    metrics.recordReload(status.successful, status.lastAttemptMs);
    if (status.successful) log('rules reloaded');
    else log(`rule reload failed, the previous rules keep running: ${status.lastError}`);
    return status;
  };
  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    await service.shutdown(() => publisher.flush());
    publisher.stop();
    await Promise.all(notifiers.map((notifier) => notifier.close(NOTIFIER_DRAIN_MS)));
  };
  return {
    api: liveAlertingApi(service, new StoredAlertingApi(storage.alerting), reload),
    reload,
    shutdown: () => (stopping ??= stop()),
  };
}

/** Saves the status at most once per interval, coalescing the triggers in between. */
class StatusPublisher {
  private timer: NodeJS.Timeout | undefined;

  /** status: undefined while this collector does not evaluate (the one that does publishes). */
  constructor(
    private readonly store: AlertingStore,
    private readonly status: () => AlertingStatusSnapshot | undefined,
    private readonly log: (message: string) => void,
  ) {}

  schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.flush(), STATUS_PUBLISH_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  async flush(): Promise<void> {
    this.stop();
    const status = this.status();
    if (status === undefined) return;
    try {
      await this.store.saveStatus(status);
    } catch (error) {
      this.log(`could not publish the alerting status: ${(error as Error).message}`);
    }
  }
}
