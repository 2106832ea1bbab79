// Sends alerts to a webhook in Alertmanager's webhook format, so receivers written for Alertmanager
// (chat bridges, incident tools) take Meshscope's alerts unchanged. Each send() makes one POST per
// alertname, as an Alertmanager grouping by alertname would.
import type { NotifiableAlert, Notifier } from '../model.js';
import { DeliveryQueue, type DeliveryTuning } from './delivery-queue.js';
import { goJsonMarshal } from '../go-compat.js';
import { httpTarget } from './http-target.js';
import { toWebhookMessages } from './payloads.js';

export interface WebhookNotifierOptions extends DeliveryTuning {
  url: string;
  /** The hub's external URL, sent as `externalURL`. */
  externalURL: string;
  /** Sent as `receiver`; default "meshscope". */
  receiver?: string;
}

export const WEBHOOK_RECEIVER = 'meshscope';

export class WebhookNotifier implements Notifier {
  private readonly queue: DeliveryQueue;
  private readonly context: { receiver: string; externalURL: string };

  constructor(options: WebhookNotifierOptions) {
    const { url, externalURL, receiver, ...tuning } = options;
    const target = httpTarget(url);
    this.queue = new DeliveryQueue({ ...tuning, url: target.url, headers: target.headers, target: target.label });
    this.context = { receiver: receiver ?? WEBHOOK_RECEIVER, externalURL };
  }

  send(alerts: NotifiableAlert[]): void {
    for (const message of toWebhookMessages(alerts, this.context)) {
      // Alertmanager writes with json.Encoder, which ends the body with a newline.
      this.queue.enqueue({ alertCount: message.alerts.length, body: `${goJsonMarshal(message)}\n` });
    }
  }

  close(timeoutMs: number): Promise<void> {
    return this.queue.close(timeoutMs);
  }
}
