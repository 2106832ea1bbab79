// Assembles alerting for a process that writes the store: the PromQL engine over the store's series,
// the evaluator writing recorded series and ALERTS through the store's writer, the notifiers, example
// traces from the trace store, and the rule sources. An invalid rule file at start-up is a configuration
// error naming MESHSCOPE_RULES_FILE, as Prometheus refuses to start on one.
import { PromqlEngine } from '../../query-api/promql/engine.js';
import { ConfigError, type AlertingConfig } from '../config/config.js';
import type { Storage } from '../storage/api.js';
import type { AlertingMetrics } from '../telemetry/alerting-metrics.js';
import { AlertingService } from './alerting-service.js';
import { RuleEvaluator } from './evaluator.js';
import { exampleTraceFinder } from './example-traces.js';
import type { Notifier } from './model.js';
import { createNotifiers } from './notify/create-notifiers.js';
import { RuleLoadError } from './rule-loader.js';
import { expandTemplate } from './templates.js';

/** Example trace ids per alert in notifications. */
const EXAMPLE_TRACES_PER_ALERT = 3;
/** How long shutdown waits for queued notifications. */
const NOTIFIER_DRAIN_MS = 5_000;

export interface Alerting {
  service: AlertingService;
  evaluator: RuleEvaluator;
  /** Reloads rule files (SIGHUP); never throws, the status says what happened. */
  reload(): Promise<void>;
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
  const evaluator = new RuleEvaluator({
    query: (expr, timeMs) => engine.evaluateInstant(expr, timeMs),
    writeSamples: (samples) => storage.writer.write({ spans: [], logs: [], samples, metricMetadata: [], edges: [] }),
    store: storage.alerting,
    notifiers,
    expandTemplate,
    externalURL: externalUrl,
    findExampleTraces: exampleTraceFinder({ traces: storage.traces, count: EXAMPLE_TRACES_PER_ALERT }),
    hooks: metrics.evaluatorHooks,
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
  return {
    service,
    evaluator,
    reload: async () => {
      const status = await service.reload();
      metrics.recordReload(status.successful, status.lastAttemptMs);
      if (status.successful) log('rules reloaded');
      else log(`rule reload failed, the previous rules keep running: ${status.lastError}`);
    },
    shutdown: async () => {
      await evaluator.shutdown();
      await Promise.all(notifiers.map((notifier) => notifier.close(NOTIFIER_DRAIN_MS)));
    },
  };
}
