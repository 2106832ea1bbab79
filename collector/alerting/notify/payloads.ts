// Pure translations from our alerts to the two wire formats: what Prometheus POSTs to Alertmanager's
// /api/v2/alerts (notifier/util.go alertsToOpenAPIAlerts), and what Alertmanager's webhook receiver POSTs
// (notify/webhook/webhook.go Message over template/template.go Data). Keys are written in Go's field
// order and maps in Go's key order, so our bodies match theirs byte for byte.
import type { Labels, NotifiableAlert } from '../model.js';
import { compareGoStrings, goLabelSetString, goSortedMap, goTimeJson, GO_ZERO_TIME, labelsFingerprint, sortedLabelNames } from '../go-compat.js';

/** Prometheus' maxBatchSize for one request to Alertmanager. */
export const ALERTMANAGER_MAX_BATCH = 64;

/** Alertmanager's models.PostableAlert as Prometheus fills it. */
export interface PostableAlert {
  annotations?: Labels;
  endsAt: string;
  startsAt: string;
  generatorURL?: string;
  labels: Labels;
}

/**
 * The body Prometheus sends. strfmt.DateTime always writes milliseconds; empty annotations and an empty
 * generatorURL are omitted (`omitempty`).
 */
export function toPostableAlerts(alerts: NotifiableAlert[]): PostableAlert[] {
  return alerts.map((alert) => {
    const postable: PostableAlert = {
      annotations: goSortedMap(alert.annotations),
      endsAt: new Date(alert.endsAtMs).toISOString(),
      startsAt: new Date(alert.startsAtMs).toISOString(),
      generatorURL: alert.generatorURL,
      labels: goSortedMap(alert.labels),
    };
    if (Object.keys(alert.annotations).length === 0) delete postable.annotations;
    if (alert.generatorURL === '') delete postable.generatorURL;
    return postable;
  });
}

/** One alert of Alertmanager's template.Data. */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Alertmanager's webhook.Message: template.Data's fields first (it is embedded), then its own. */
export interface WebhookMessage {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: WebhookAlert[];
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Labels;
  externalURL: string;
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
}

export interface WebhookContext {
  /** The receiver name; Alertmanager regexp-quotes it, so use plain names. */
  receiver: string;
  externalURL: string;
}

const GROUP_BY = 'alertname';

/**
 * One message per alertname, as from an Alertmanager whose root route groups by alertname and whose
 * receiver is `context.receiver`: groupKey `{}:{alertname="X"}`, alerts in Alertmanager's order.
 */
export function toWebhookMessages(alerts: NotifiableAlert[], context: WebhookContext): WebhookMessage[] {
  return groupByAlertname(alerts).map((group) => toWebhookMessage(group, context));
}

function groupByAlertname(alerts: NotifiableAlert[]): NotifiableAlert[][] {
  const groups = new Map<string | undefined, NotifiableAlert[]>();
  for (const alert of alerts) {
    const key = alert.labels[GROUP_BY];
    const group = groups.get(key);
    if (group) group.push(alert);
    else groups.set(key, [alert]);
  }
  return [...groups.values()];
}

function toWebhookMessage(group: NotifiableAlert[], context: WebhookContext): WebhookMessage {
  const sorted = [...group].sort(compareLikeAlertmanager);
  const groupLabels: Labels = {};
  const alertname = group[0]!.labels[GROUP_BY];
  if (alertname !== undefined) groupLabels[GROUP_BY] = alertname;
  return {
    receiver: context.receiver,
    status: sorted.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    alerts: sorted.map(toWebhookAlert),
    groupLabels,
    commonLabels: goSortedMap(commonPairs(sorted.map((alert) => alert.labels))),
    commonAnnotations: goSortedMap(commonPairs(sorted.map((alert) => alert.annotations))),
    externalURL: context.externalURL,
    version: '4',
    // The root route's key is `{}`; the group's labels follow.
    groupKey: `{}:${goLabelSetString(groupLabels)}`,
    truncatedAlerts: 0,
  };
}

function toWebhookAlert(alert: NotifiableAlert): WebhookAlert {
  return {
    status: alert.status,
    labels: goSortedMap(alert.labels),
    annotations: goSortedMap(alert.annotations),
    startsAt: goTimeJson(alert.startsAtMs),
    // Alertmanager hides the end of an alert that has not ended yet.
    endsAt: alert.status === 'firing' ? GO_ZERO_TIME : goTimeJson(alert.endsAtMs),
    generatorURL: alert.generatorURL,
    fingerprint: labelsFingerprint(alert.labels),
  };
}

/** The pairs every set has with the same value. */
function commonPairs(sets: Labels[]): Labels {
  const common: Labels = { ...sets[0] };
  for (const set of sets.slice(1)) {
    for (const [name, value] of Object.entries(common)) if (!Object.hasOwn(set, name) || set[name] !== value) delete common[name];
  }
  return common;
}

/** types.AlertSlice.Less: by job, then instance (alerts having them first), then the label sets. */
function compareLikeAlertmanager(a: NotifiableAlert, b: NotifiableAlert): number {
  for (const name of ['job', 'instance']) {
    const aValue = a.labels[name];
    const bValue = b.labels[name];
    if (aValue === undefined && bValue === undefined) continue;
    if (aValue === undefined) return 1;
    if (bValue === undefined) return -1;
    if (aValue !== bValue) return compareGoStrings(aValue, bValue);
  }
  return compareLabelSets(a.labels, b.labels);
}

/** model.LabelSet.Before: fewer labels first, then the first differing name or value decides. */
function compareLabelSets(a: Labels, b: Labels): number {
  const sizeDifference = Object.keys(a).length - Object.keys(b).length;
  if (sizeDifference !== 0) return sizeDifference;
  for (const name of sortedLabelNames({ ...a, ...b })) {
    if (!Object.hasOwn(a, name)) return -1;
    if (!Object.hasOwn(b, name)) return 1;
    const order = compareGoStrings(a[name]!, b[name]!);
    if (order !== 0) return order;
  }
  return 0;
}
