// Builds the notifiers from configuration (MESHSCOPE_ALERT_WEBHOOK_URL, MESHSCOPE_ALERTMANAGER_URL; the
// config loader has validated the URLs).
import type { Notifier } from '../model.js';
import { AlertmanagerNotifier } from './alertmanager-notifier.js';
import type { NotifierMetrics } from './delivery-queue.js';
import { WebhookNotifier } from './webhook-notifier.js';

export interface NotifiersOptions {
  webhookUrls: string[];
  /** Base URLs, each with its route prefix if any. */
  alertmanagerUrls: string[];
  /** The hub's external URL (webhook `externalURL`). */
  externalURL: string;
  metrics?: NotifierMetrics;
  log?: (message: string) => void;
}

/** One notifier per URL, each with its own queue, so a slow target never holds up another. */
export function createNotifiers(options: NotifiersOptions): Notifier[] {
  const { metrics, log, externalURL } = options;
  return [
    ...options.webhookUrls.map((url) => new WebhookNotifier({ url, externalURL, metrics, log })),
    ...options.alertmanagerUrls.map((baseUrl) => new AlertmanagerNotifier({ baseUrl, metrics, log })),
  ];
}
