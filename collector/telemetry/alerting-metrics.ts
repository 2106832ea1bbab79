// The alerting part of the hub's own metrics, named after Prometheus' rule manager and notifier
// (prometheus_rule_*, prometheus_notifications_*) with the meshscope_ prefix, so the alerts people
// already write about their Prometheus ("rule evaluations failing", "notifications dropped") carry over.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EvaluatorHooks } from '../alerting/group-runner.js';
import type { NotifierMetrics } from '../alerting/notify/delivery-queue.js';

export class AlertingMetrics {
  readonly evaluatorHooks: EvaluatorHooks;
  readonly notifierMetrics: NotifierMetrics;
  private readonly reloadSuccessful: Gauge;
  private readonly reloadTimestamp: Gauge;

  constructor(registry: Registry, log: (message: string) => void) {
    const registers = [registry];
    const evaluations = new Counter({ name: 'meshscope_rule_evaluations_total', help: 'Rule evaluations, by rule group.', labelNames: ['rule_group'], registers });
    const failures = new Counter({ name: 'meshscope_rule_evaluation_failures_total', help: 'Rule evaluations that failed, by rule group.', labelNames: ['rule_group'], registers });
    const missed = new Counter({
      name: 'meshscope_rule_group_iterations_missed_total',
      help: 'Group evaluations skipped because the previous one was still running.',
      labelNames: ['rule_group'],
      registers,
    });
    const duration = new Histogram({
      name: 'meshscope_rule_group_duration_seconds',
      help: 'Time one evaluation of a rule group took.',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      registers,
    });
    this.evaluatorHooks = {
      ruleEvaluated: (group) => evaluations.inc({ rule_group: group }),
      ruleFailed: (group) => failures.inc({ rule_group: group }),
      iterationsMissed: (group, count) => missed.inc({ rule_group: group }, count),
      groupEvaluated: (_group, ms) => duration.observe(ms / 1000),
      error: (message, error) => log(`${message}: ${error instanceof Error ? error.message : String(error)}`),
    };

    const sent = new Counter({ name: 'meshscope_notifications_sent_total', help: 'Alerts a notification target accepted.', labelNames: ['target'], registers });
    const failed = new Counter({
      name: 'meshscope_notifications_failed_total',
      help: 'Notification requests that failed (network error, timeout or error status), retried or not.',
      labelNames: ['target'],
      registers,
    });
    const dropped = new Counter({
      name: 'meshscope_notifications_dropped_total',
      help: 'Alerts that will never reach a target: queue full, refused, or retries exhausted.',
      labelNames: ['target'],
      registers,
    });
    const queueLength = new Gauge({ name: 'meshscope_notifications_queue_length', help: 'Alerts waiting to be sent, by target.', labelNames: ['target'], registers });
    const latency = new Histogram({
      name: 'meshscope_notifications_latency_seconds',
      help: 'Duration of successful notification requests.',
      labelNames: ['target'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      registers,
    });
    this.notifierMetrics = {
      alertsSent: (target, count) => sent.inc({ target }, count),
      deliveryFailed: (target) => failed.inc({ target }),
      alertsDropped: (target, count) => dropped.inc({ target }, count),
      queueLength: (target, alerts) => queueLength.set({ target }, alerts),
      deliveryLatency: (target, seconds) => latency.observe({ target }, seconds),
    };

    this.reloadSuccessful = new Gauge({ name: 'meshscope_rules_last_reload_successful', help: '1 when the last rule-file load succeeded.', registers });
    this.reloadTimestamp = new Gauge({ name: 'meshscope_rules_last_reload_timestamp_seconds', help: 'When rule files were last loaded.', registers });
  }

  recordReload(successful: boolean, atMs: number): void {
    this.reloadSuccessful.set(successful ? 1 : 0);
    this.reloadTimestamp.set(atMs / 1000);
  }
}
