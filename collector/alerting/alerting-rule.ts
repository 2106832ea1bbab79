// The alert state machine of one alerting rule, following Prometheus' rules/alerting.go: every sample of
// the expression is an alert keyed by its labels; new alerts go pending, pending ones fire once `for` has
// passed, alerts no longer returned resolve (firing ones, unless keep_firing_for holds them) or vanish
// (pending ones). Resolved alerts are kept, and resent, for RESOLVED_RETENTION_MS.
//
// A resolved alert keeps its last state ('firing') and has resolvedAtMs set: the model's AlertState has no
// 'inactive', so "resolved" is resolvedAtMs !== 0.

import type { PrometheusSample } from '../storage/api.js';
import type { AlertInstance, AlertingRule, Labels, NotifiableAlert, TemplateData, TemplateExpander } from './model.js';
import { labelSetKey, setLabel, type RuleSample } from './rule-query.js';

/** How long a resolved alert is kept in memory and resent to notifiers (Prometheus' resolvedRetention). */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

export interface AlertTemplateContext {
  expandTemplate: TemplateExpander;
  externalLabels: Labels;
  externalURL: string;
}

export interface AlertingEvaluation {
  /** ALERTS and ALERTS_FOR_STATE samples at tMs for every active (not resolved) alert. */
  samples: PrometheusSample[];
  /** Alerts that went firing in this evaluation (the live objects, so callers may enrich them). */
  newlyFiring: AlertInstance[];
}

export function isResolved(alert: AlertInstance): boolean {
  return alert.resolvedAtMs !== 0;
}

/** The alerts of one alerting rule, keyed by their label set. */
export class AlertingRuleState {
  private readonly active = new Map<string, AlertInstance>();

  constructor(initial: AlertInstance[] = []) {
    for (const alert of initial) this.active.set(labelSetKey(alert.labels), alert);
  }

  /**
   * Applies one evaluation's query result at tMs. Throws (leaving the state as it was) when two samples
   * give the same alert labels; throws after clearing every alert when more than `limit` (0: none) alerts
   * are active, as Prometheus does.
   */
  evaluate(rule: AlertingRule, result: RuleSample[], tMs: number, limit: number, ctx: AlertTemplateContext): AlertingEvaluation {
    const current = this.alertsOf(rule, result, ctx);
    for (const [key, fresh] of current) {
      const existing = this.active.get(key);
      if (existing && !isResolved(existing)) {
        existing.value = fresh.value;
        existing.annotations = fresh.annotations;
        existing.lastSeenAtMs = tMs;
      } else {
        this.active.set(key, newAlert(fresh, tMs));
      }
    }
    const samples: PrometheusSample[] = [];
    const newlyFiring: AlertInstance[] = [];
    let activeCount = 0;
    for (const [key, alert] of this.active) {
      if (current.has(key)) {
        alert.keepFiringSinceMs = 0;
      } else if (!this.keepsFiring(rule, alert, tMs)) {
        this.retire(key, alert, tMs);
        continue;
      }
      activeCount++;
      if (alert.state === 'pending' && tMs - alert.activeAtMs >= rule.forMs) {
        alert.state = 'firing';
        alert.firedAtMs = tMs;
        newlyFiring.push(alert);
      }
      samples.push(...alertSamples(rule.name, alert, tMs));
    }
    if (limit > 0 && activeCount > limit) {
      this.active.clear();
      throw new Error(`exceeded limit of ${limit} with ${activeCount} alerts`);
    }
    return { samples, newlyFiring };
  }

  /** Every alert with its series labels, including recently resolved ones. */
  all(): AlertInstance[] {
    return [...this.active.values()];
  }

  /** Pending and firing alerts (what /api/v1/alerts shows), as copies. */
  activeAlerts(): AlertInstance[] {
    return this.all()
      .filter((a) => !isResolved(a))
      .map(copyAlert);
  }

  /**
   * Alerts due for notification at tMs, marked as sent: firing ones never sent or last sent more than
   * resendDelayMs ago, resolved ones not sent since they resolved or last sent more than resendDelayMs ago.
   */
  takeAlertsToSend(tMs: number, resendDelayMs: number): AlertInstance[] {
    const due = this.all().filter((alert) => needsSending(alert, tMs, resendDelayMs));
    for (const alert of due) alert.lastSentAtMs = tMs;
    return due.map(copyAlert);
  }

  /** keep_firing_for: a firing alert stays firing that long after the expression first stopped returning it. */
  private keepsFiring(rule: AlertingRule, alert: AlertInstance, tMs: number): boolean {
    if (alert.state !== 'firing' || isResolved(alert) || rule.keepFiringForMs <= 0) return false;
    if (alert.keepFiringSinceMs === 0) alert.keepFiringSinceMs = tMs;
    return tMs - alert.keepFiringSinceMs < rule.keepFiringForMs;
  }

  /** A pending alert vanishes; a firing one resolves and is forgotten after the retention period. */
  private retire(key: string, alert: AlertInstance, tMs: number): void {
    if (alert.state === 'pending' || (isResolved(alert) && tMs - alert.resolvedAtMs > RESOLVED_RETENTION_MS)) {
      this.active.delete(key);
    }
    if (!isResolved(alert)) alert.resolvedAtMs = tMs;
  }

  /** The alert each result sample stands for, keyed by its label set. */
  private alertsOf(rule: AlertingRule, result: RuleSample[], ctx: AlertTemplateContext): Map<string, FreshAlert> {
    const alerts = new Map<string, FreshAlert>();
    // Prometheus names alert templates after the alert, so expansion errors read the same.
    const templateName = `__alert_${rule.name}`;
    for (const sample of result) {
      const data: TemplateData = { labels: sample.labels, value: sample.value, externalLabels: ctx.externalLabels, externalURL: ctx.externalURL };
      const labels: Labels = { ...sample.labels };
      delete labels['__name__'];
      for (const [name, template] of Object.entries(rule.labels)) setLabel(labels, name, ctx.expandTemplate(templateName, template, data));
      labels['alertname'] = rule.name;
      const annotations: Labels = {};
      for (const [name, template] of Object.entries(rule.annotations)) annotations[name] = ctx.expandTemplate(templateName, template, data);
      const key = labelSetKey(labels);
      if (alerts.has(key)) throw new Error('vector contains metrics with the same labelset after applying alert labels');
      alerts.set(key, { labels, annotations, value: sample.value });
    }
    return alerts;
  }
}

interface FreshAlert {
  labels: Labels;
  annotations: Labels;
  value: number;
}

function newAlert(fresh: FreshAlert, tMs: number): AlertInstance {
  return {
    ...fresh,
    state: 'pending',
    activeAtMs: tMs,
    firedAtMs: 0,
    resolvedAtMs: 0,
    lastSeenAtMs: tMs,
    keepFiringSinceMs: 0,
    lastSentAtMs: 0,
    exampleTraceIds: [],
  };
}

/** Prometheus' Alert.needsSending; an unset lastSentAtMs (0) always counts as "never sent". */
function needsSending(alert: AlertInstance, tMs: number, resendDelayMs: number): boolean {
  if (alert.state === 'pending') return false;
  if (alert.lastSentAtMs === 0 || alert.resolvedAtMs > alert.lastSentAtMs) return true;
  return alert.lastSentAtMs + resendDelayMs < tMs;
}

/** ALERTS{alertstate} = 1 and ALERTS_FOR_STATE = activeAt in whole seconds, as Prometheus writes them. */
function alertSamples(alertName: string, alert: AlertInstance, tMs: number): PrometheusSample[] {
  return [
    { labels: { ...alert.labels, __name__: 'ALERTS', alertname: alertName, alertstate: alert.state }, timestampMs: tMs, value: 1 },
    {
      labels: { ...alert.labels, __name__: 'ALERTS_FOR_STATE', alertname: alertName },
      timestampMs: tMs,
      value: Math.floor(alert.activeAtMs / 1000),
    },
  ];
}

export function copyAlert(alert: AlertInstance): AlertInstance {
  return { ...alert, labels: { ...alert.labels }, annotations: { ...alert.annotations }, exampleTraceIds: [...alert.exampleTraceIds] };
}

export interface NotificationContext {
  /** The evaluation time. */
  tMs: number;
  resendDelayMs: number;
  intervalMs: number;
  generatorURL: string;
}

/**
 * An alert in the notifiers' form (Prometheus' SendAlerts): startsAt is when it fired; endsAt is when it
 * resolved, or for a firing alert 4 × max(resend delay, interval) ahead so two missed sends are tolerated.
 */
export function toNotifiable(alert: AlertInstance, ctx: NotificationContext): NotifiableAlert {
  const resolved = isResolved(alert);
  const annotations = { ...alert.annotations };
  if (alert.exampleTraceIds.length > 0) annotations['example_trace_ids'] = alert.exampleTraceIds.join(',');
  return {
    labels: { ...alert.labels },
    annotations,
    startsAtMs: alert.firedAtMs,
    endsAtMs: resolved ? alert.resolvedAtMs : ctx.tMs + 4 * Math.max(ctx.resendDelayMs, ctx.intervalMs),
    status: resolved ? 'resolved' : 'firing',
    generatorURL: ctx.generatorURL,
  };
}

/** Link to the expression in Meshscope's metrics explorer. */
export function generatorURL(externalURL: string, expr: string): string {
  return `${externalURL.replace(/\/+$/, '')}/metrics?query=${encodeURIComponent(expr)}`;
}
