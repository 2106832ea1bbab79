// A tiny Alertmanager-webhook receiver inside the orchestrator: the hub notifies it like any webhook, and
// the demo prints each alert once when it fires (with links to its example traces) and once when it
// resolves, so the terminal shows the whole path from a failing service to a page.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The parts of Alertmanager's webhook message (version 4) the printer reads. */
interface WebhookMessage {
  alerts?: Array<{
    status: 'firing' | 'resolved';
    fingerprint: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }>;
}

export interface AlertPrinter {
  /** The URL to put in MESHSCOPE_ALERT_WEBHOOK_URL. */
  url: string;
  close(): Promise<void>;
}

export async function startAlertPrinter(uiUrl: () => string, print: (line: string) => void = console.log): Promise<AlertPrinter> {
  // Firing alerts are re-sent every minute; only a change of status is news.
  const lastStatus = new Map<string, string>();
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      for (const alert of parseMessage(body).alerts ?? []) {
        if (lastStatus.get(alert.fingerprint) === alert.status) continue;
        lastStatus.set(alert.fingerprint, alert.status);
        print(describeAlert(alert, uiUrl()));
      }
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function parseMessage(body: string): WebhookMessage {
  try {
    return JSON.parse(body) as WebhookMessage;
  } catch {
    return {};
  }
}

function describeAlert(alert: NonNullable<WebhookMessage['alerts']>[number], uiUrl: string): string {
  const { alertname, ...labels } = alert.labels;
  const labelText = Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(', ');
  const lines = [`[alert] ${alert.status.toUpperCase()} ${alertname ?? ''} (${labelText}): ${alert.annotations.summary ?? ''}`];
  const traceIds = (alert.annotations.example_trace_ids ?? '').split(',').filter((id) => id !== '');
  if (alert.status === 'firing' && traceIds.length > 0) {
    lines.push('        example traces:', ...traceIds.map((id) => `          ${uiUrl}/trace/${id}`));
  }
  return lines.join('\n');
}
