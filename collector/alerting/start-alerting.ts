// Assembles alerting for a process that writes the store: the PromQL engine over the store's series,
// the evaluator writing recorded series and ALERTS through the store's writer, the notifiers, example
// traces from the trace store, and the rule sources. An invalid rule file at start-up is a configuration
// error naming MESHSCOPE_RULES_FILE, as Prometheus refuses to start on one.
import { PromqlEngine } from '../../query-api/promql/engine.js';
import { ConfigError, type AlertingConfig } from '../config/config.js';
import type { Storage } from '../storage/api.js';
import type { AlertingMetrics } from '../telemetry/alerting-metrics.js';
import { liveAlertingApi, type AlertingApi } from './alerting-api.js';
import { AlertingService, type ReloadStatus } from './alerting-service.js';
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
  shutdown(): Promise<void>;
}

export interface AlertingStartOptions {
  config: AlertingConfig;
  storage: Storage;
  metrics: AlertingMetrics;
  /** The UI's address for generatorURL and the webhook's externalURL. */
  externalUrl: string;
  log: (message: string) => void;
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
  const publisher = new StatusPublisher(storage.alerting, () => ({ savedAtMs: Date.now(), groups: evaluator.groups(), rules: service.listRules() }), log);
  const evaluator = new RuleEvaluator({
    query: (expr, timeMs) => engine.evaluateInstant(expr, timeMs),
    writeSamples: (samples) => storage.writer.write({ spans: [], logs: [], samples, metricMetadata: [], edges: [] }),
    store: storage.alerting,
    notifiers,
    expandTemplate,
    externalURL: externalUrl,
    findExampleTraces: exampleTraceFinder({ traces: storage.traces, count: EXAMPLE_TRACES_PER_ALERT }),
    hooks: {
      ...metrics.evaluatorHooks,
      groupEvaluated: (group, durationMs) => {
        metrics.evaluatorHooks.groupEvaluated?.(group, durationMs);
        publisher.schedule();
      },
    },
  });
  const service = new AlertingService({ evaluator, store: storage.alerting, rulesFiles: config.rulesFiles, defaultIntervalMs: config.ruleIntervalMs });
  try {
    await service.start();
  } catch (error) {
    await Promise.all(notifiers.map((notifier) => notifier.close(0)));
    if (error instanceof RuleLoadError) throw new ConfigError(`MESHSCOPE_RULES_FILE is '${config.rulesFiles}'; ${error.message}`);
    throw error;
  }
  metrics.recordReload(true, service.lastReload().lastAttemptMs);
  publisher.schedule();
  const reload = async (): Promise<ReloadStatus> => {
    const status = await service.reload();
    metrics.recordReload(status.successful, status.lastAttemptMs);
    if (status.successful) log('rules reloaded');
    else log(`rule reload failed, the previous rules keep running: ${status.lastError}`);
    publisher.schedule();
    return status;
  };
  const live = liveAlertingApi(evaluator, service, reload);
  // Rule changes are published at once, so a query node lists a new rule before its first evaluation.
  const published = <T>(change: Promise<T>): Promise<T> => change.finally(() => publisher.schedule());
  return {
    api: {
      ...live,
      createRule: (input) => published(live.createRule(input)),
      updateRule: (id, input) => published(live.updateRule(id, input)),
      deleteRule: (id) => published(live.deleteRule(id)),
    },
    reload,
    shutdown: async () => {
      await evaluator.shutdown();
      await publisher.flush();
      await Promise.all(notifiers.map((notifier) => notifier.close(NOTIFIER_DRAIN_MS)));
    },
  };
}

/** Saves the status at most once per interval, coalescing the triggers in between. */
class StatusPublisher {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: AlertingStore,
    private readonly status: () => AlertingStatusSnapshot,
    private readonly log: (message: string) => void,
  ) {}

  schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.flush(), STATUS_PUBLISH_INTERVAL_MS);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await this.store.saveStatus(this.status());
    } catch (error) {
      this.log(`could not publish the alerting status: ${(error as Error).message}`);
    }
  }
}
