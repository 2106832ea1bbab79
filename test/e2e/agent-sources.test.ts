// What the agent collects itself, through a real agent to a real hub: a tailed log file and a scraped
// Prometheus endpoint, named by MESHSCOPE_SERVICE_NAME, and the agent's own health metrics, pushed to the
// hub and queryable there through the Prometheus API like any series.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAgentProcess, type RunningAgent } from './agent-harness.js';
import { getJson, startHub, waitFor, type RunningHub } from './harness.js';

let hub: RunningHub;
let agent: RunningAgent;
let target: http.Server;
let logDir: string;

before(async () => {
  hub = await startHub();
  logDir = mkdtempSync(path.join(tmpdir(), 'meshscope-agent-logs-'));
  appendFileSync(path.join(logDir, 'app.log'), 'level=error msg="charge failed" order=o-991\n');
  target = http.createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    response.end('# TYPE billing_invoices_total counter\nbilling_invoices_total{currency="eur"} 17\n');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  agent = await startAgentProcess({
    collectorUrls: [hub.otlpHttpUrl],
    env: {
      MESHSCOPE_SERVICE_NAME: 'billing',
      MESHSCOPE_LOG_FILES: path.join(logDir, '*.log'),
      MESHSCOPE_SCRAPE_TARGETS: `http://127.0.0.1:${(target.address() as AddressInfo).port}/metrics`,
      MESHSCOPE_SCRAPE_INTERVAL: '1s',
      MESHSCOPE_AGENT_METRICS_INTERVAL: '1s',
      K8S_POD_NAME: 'billing-5c7b',
    },
  });
});

after(async () => {
  await agent?.stop({ removeBuffer: true });
  await hub?.stop({ removeData: true });
  await new Promise<void>((resolve) => target?.close(() => resolve()));
  rmSync(logDir, { recursive: true, force: true });
});

/** Waits until a Prometheus instant query returns a series; returns the result vector. */
async function querySeries(query: string): Promise<any[]> {
  let result: any[] = [];
  await waitFor(
    async () => {
      const { body } = await getJson(`${hub.queryUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
      result = body?.data?.result ?? [];
      return result.length > 0;
    },
    20_000,
    () => `no series for ${query}\n${agent.output()}`,
  );
  return result;
}

test('a line written to a tailed log file is searchable at the hub under MESHSCOPE_SERVICE_NAME', async () => {
  let found: any[] = [];
  await waitFor(
    async () => {
      const { body } = await getJson(`${hub.queryUrl}/api/logs?query=${encodeURIComponent('service:billing charge')}`);
      found = body?.data ?? [];
      return found.length > 0;
    },
    20_000,
    agent.output,
  );
  assert.equal(found[0].service, 'billing');
  assert.match(JSON.stringify(found[0].body), /charge failed/);
});

test('a scraped counter is a series at the hub with job = MESHSCOPE_SERVICE_NAME', async () => {
  const [series] = await querySeries('billing_invoices_total{job="billing"}');
  assert.equal(series.metric.currency, 'eur');
  assert.equal(series.value[1], '17');
});

test("the agent's own metrics reach the hub as series of job meshscope-agent, one instance per pod", async () => {
  const [queued] = await querySeries('meshscope_agent_queue_items{job="meshscope-agent"}');
  assert.equal(queued.metric.instance, 'billing-5c7b');
  const sent = await querySeries('meshscope_agent_sent_items_total{job="meshscope-agent"}');
  assert.ok(sent.some((series) => Number(series.value[1]) > 0), JSON.stringify(sent));
});
