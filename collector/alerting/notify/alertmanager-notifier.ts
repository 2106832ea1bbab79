// Sends alerts to an Alertmanager exactly as Prometheus does: POST <base>/api/v2/alerts with at most 64
// alerts per request. Alertmanager then groups, deduplicates, silences and routes them.
import type { NotifiableAlert, Notifier } from '../model.js';
import { DeliveryQueue, type DeliveryTuning } from './delivery-queue.js';
import { goJsonMarshal } from '../go-compat.js';
import { httpTarget, joinUrlPath } from './http-target.js';
import { ALERTMANAGER_MAX_BATCH, toPostableAlerts } from './payloads.js';

export interface AlertmanagerNotifierOptions extends DeliveryTuning {
  /** Alertmanager's base URL, with its route prefix if it has one (http://host:9093/alertmanager). */
  baseUrl: string;
}

export const ALERTMANAGER_ALERTS_PATH = '/api/v2/alerts';

export class AlertmanagerNotifier implements Notifier {
  private readonly queue: DeliveryQueue;

  constructor(options: AlertmanagerNotifierOptions) {
    const { baseUrl, ...tuning } = options;
    const target = httpTarget(joinUrlPath(baseUrl, ALERTMANAGER_ALERTS_PATH));
    this.queue = new DeliveryQueue({ ...tuning, url: target.url, headers: target.headers, target: target.label });
  }

  send(alerts: NotifiableAlert[]): void {
    for (let start = 0; start < alerts.length; start += ALERTMANAGER_MAX_BATCH) {
      const batch = alerts.slice(start, start + ALERTMANAGER_MAX_BATCH);
      this.queue.enqueue({ alertCount: batch.length, body: goJsonMarshal(toPostableAlerts(batch)) });
    }
  }

  close(timeoutMs: number): Promise<void> {
    return this.queue.close(timeoutMs);
  }
}
