// The Node bootstrap as a user runs it: `node --import meshscope/agents/node/register app.mjs` against a
// real hub. The app receives requests carrying B3 and W3C context, calls itself, logs through the OTel
// logs API and counts with prom-client; everything must reach the hub, linked, after a SIGTERM flush.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getJson, startHub, waitFor, type RunningHub } from './harness.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '../../..');
const REGISTER_JS = path.resolve(HERE, '../../agents/node/register.js');

// Uses the app's own imports (prom-client, the OTel logs API) from the repository's node_modules, which
// is why it is written under dist/ rather than the system temp dir.
const APP_SOURCE = `
import http from 'node:http';
import client from 'prom-client';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';

const orders = new client.Counter({ name: 'demo_orders_total', help: 'orders placed', labelNames: ['outcome'] });
const logger = logs.getLogger('node-app');
const server = http.createServer(async (request, response) => {
  if (request.url === '/back') {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(request.headers));
    return;
  }
  orders.inc({ outcome: 'ok' });
  logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'order placed ' + request.headers['x-request-id'] });
  const back = await fetch('http://127.0.0.1:' + server.address().port + '/back');
  response.setHeader('content-type', 'application/json');
  response.end(await back.text());
});
server.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port));
`;

interface RunningApp {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** SIGTERM, then the exit code and signal. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let hub: RunningHub;
let appDir: string;

before(async () => {
  hub = await startHub();
  appDir = mkdtempSync(path.join(HERE, 'node-app-'));
  writeFileSync(path.join(appDir, 'app.mjs'), APP_SOURCE);
});

after(async () => {
  await hub.stop({ removeData: true });
  rmSync(appDir, { recursive: true, force: true });
});

async function startApp(importSpecifier: string, env: Record<string, string>): Promise<RunningApp> {
  // The test's own OTEL_* settings must not leak into the app.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_') && !name.startsWith('MESHSCOPE_')));
  const child = spawn(process.execPath, ['--import', importSpecifier, path.join(appDir, 'app.mjs')], {
    cwd: REPO_ROOT,
    env: { ...inherited, OTEL_METRIC_EXPORT_INTERVAL: '600000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await waitFor(() => /listening on \d+/.test(output) || child.exitCode !== null, 20_000, () => output);
  assert.equal(child.exitCode, null, output);
  return {
    child,
    url: `http://127.0.0.1:${/listening on (\d+)/.exec(output)![1]}`,
    output: () => output,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** GET /front with the given headers; answers the headers the app's downstream call carried. */
async function callFront(app: RunningApp, headers: Record<string, string>): Promise<Record<string, string>> {
  const response = await fetch(`${app.url}/front`, { headers });
  assert.equal(response.status, 200, app.output());
  return (await response.json()) as Record<string, string>;
}

async function trace(traceId: string): Promise<any> {
  let found: any;
  await waitFor(async () => {
    const response = await getJson(`${hub.queryUrl}/api/traces/${traceId}`);
    found = response.status === 200 ? response.body.data[0] : undefined;
    return found !== undefined && found.spans.length >= 3;
  }, 10_000, () => `trace ${traceId} not found`);
  return found;
}

const tag = (span: any, key: string) => span.tags.find((candidate: any) => candidate.key === key)?.value;
const parentOf = (span: any) => span.references.find((reference: any) => reference.refType === 'CHILD_OF')?.spanID;

test('an app started with --import is traced with B3/W3C context, logs and prom-client metrics, and flushed on SIGTERM', async () => {
  const app = await startApp('meshscope/agents/node/register', {
    MESHSCOPE_SERVICE_NAME: 'node-app',
    OTEL_EXPORTER_OTLP_ENDPOINT: hub.otlpHttpUrl,
    K8S_POD_NAME: 'node-app-7d9f-abcde',
    K8S_NAMESPACE_NAME: 'shop',
  });
  const b3Trace = '80f198ee56343ba864fe8b2a57d3eff7';
  const w3cTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const singleB3Trace = 'a3ce929d0e0e47364bf92f3577b34da6';
  const b3Wins = '0af7651916cd43dd8448eb211c80319c';

  // Envoy's style: multi-header B3 and x-request-id.
  const fromB3 = await callFront(app, { 'X-B3-TraceId': b3Trace, 'X-B3-SpanId': 'e457b5a2e4d86bd1', 'X-B3-Sampled': '1', 'x-request-id': 'req-b3' });
  assert.equal(fromB3['x-b3-traceid'], b3Trace);
  assert.notEqual(fromB3['x-b3-spanid'], 'e457b5a2e4d86bd1', 'the downstream call carries its own client span');
  assert.equal(fromB3['x-b3-sampled'], '1');
  assert.match(fromB3.traceparent ?? '', new RegExp(`^00-${b3Trace}-${fromB3['x-b3-spanid']}-01$`));
  assert.equal(fromB3['x-request-id'], 'req-b3');

  const fromW3c = await callFront(app, { traceparent: `00-${w3cTrace}-00f067aa0ba902b7-01`, 'x-request-id': 'req-w3c' });
  assert.equal(fromW3c['x-b3-traceid'], w3cTrace);
  assert.match(fromW3c.traceparent ?? '', new RegExp(`^00-${w3cTrace}-`));

  const fromSingle = await callFront(app, { b3: `${singleB3Trace}-b7ad6b7169203331-1` });
  assert.equal(fromSingle['x-b3-traceid'], singleB3Trace);
  assert.equal(fromSingle['x-request-id'], undefined);

  // A sidecar rewrote B3 but passed traceparent through: B3 names the real parent.
  const both = await callFront(app, { traceparent: `00-${w3cTrace}-00f067aa0ba902b7-01`, 'X-B3-TraceId': b3Wins, 'X-B3-SpanId': '5fe865b7bd2b1c40', 'X-B3-Sampled': '1' });
  assert.equal(both['x-b3-traceid'], b3Wins);

  const exit = await app.stop();
  assert.deepEqual(exit, { code: null, signal: 'SIGTERM' }, `the app ends as a SIGTERM would end it\n${app.output()}`);

  // Traces: auto-instrumented server and client spans, the incoming B3 span as the parent.
  const fromB3Trace = await trace(b3Trace);
  assert.equal(fromB3Trace.processes[fromB3Trace.spans[0].processID].serviceName, 'node-app');
  const servers = fromB3Trace.spans.filter((span: any) => tag(span, 'span.kind') === 'server');
  const clients = fromB3Trace.spans.filter((span: any) => tag(span, 'span.kind') === 'client' && /GET/.test(span.operationName));
  const front = servers.find((span: any) => parentOf(span) === 'e457b5a2e4d86bd1');
  assert.ok(front, `a server span whose parent is the B3 span: ${JSON.stringify(fromB3Trace.spans.map((s: any) => [s.operationName, parentOf(s)]))}`);
  const client = clients.find((span: any) => parentOf(span) === front.spanID);
  assert.ok(client, 'the downstream call is a client span under the front server span');
  assert.equal(client.spanID, fromB3['x-b3-spanid']);
  assert.ok(servers.some((span: any) => parentOf(span) === client.spanID), 'the /back server span continues the client span');
  assert.ok(front.tags.some((candidate: any) => /^http\.request\.header\.x[-_]request[-_]id$/.test(candidate.key) && JSON.stringify(candidate.value).includes('req-b3')), 'x-request-id is on the server span');
  const frontProcess = fromB3Trace.processes[front.processID];
  assert.ok(frontProcess.tags.some((candidate: any) => candidate.key === 'k8s.pod.name' && candidate.value === 'node-app-7d9f-abcde'), JSON.stringify(frontProcess.tags));
  // Only the traceparent-only request joined the W3C trace; the one that also carried B3 went to B3's.
  assert.equal((await trace(w3cTrace)).spans.filter((span: any) => parentOf(span) === '00f067aa0ba902b7').length, 1);
  assert.equal((await trace(b3Wins)).spans.filter((span: any) => parentOf(span) === '5fe865b7bd2b1c40').length, 1);

  // Logs: emitted inside the server span, so linked to the incoming trace.
  const traceLogs = await getJson(`${hub.queryUrl}/api/traces/${b3Trace}/logs`);
  assert.equal(traceLogs.status, 200, JSON.stringify(traceLogs.body));
  assert.deepEqual(traceLogs.body.data.map((line: any) => [line.body, line.service, line.spanId]), [['order placed req-b3', 'node-app', front.spanID]]);

  // Metrics: the prom-client counter as a Prometheus series of the service (job) and pod (instance).
  const counter = await getJson(`${hub.queryUrl}/api/v1/query?query=${encodeURIComponent('demo_orders_total{job="node-app"}')}`);
  assert.equal(counter.status, 200, JSON.stringify(counter.body));
  assert.equal(counter.body.data.result.length, 1, JSON.stringify(counter.body));
  assert.equal(counter.body.data.result[0].metric.outcome, 'ok');
  assert.equal(counter.body.data.result[0].metric.instance, 'node-app-7d9f-abcde');
  assert.equal(counter.body.data.result[0].value[1], '4');
});

test('MESHSCOPE_TRACES_EXPORTER=jaeger sends the spans as Jaeger Thrift', async () => {
  const app = await startApp(REGISTER_JS, {
    OTEL_SERVICE_NAME: 'node-app-jaeger',
    MESHSCOPE_TRACES_EXPORTER: 'jaeger',
    OTEL_EXPORTER_JAEGER_ENDPOINT: `${hub.jaegerUrl}/api/traces`,
    OTEL_EXPORTER_OTLP_ENDPOINT: hub.otlpHttpUrl,
  });
  const traceId = '5b8efff798038103d269b633813fc60c';
  await callFront(app, { traceparent: `00-${traceId}-eee19b7ec3c1b174-01` });
  await app.stop();
  const jaegerTrace = await trace(traceId);
  assert.equal(jaegerTrace.processes[jaegerTrace.spans[0].processID].serviceName, 'node-app-jaeger');
  const ownMetrics = await (await fetch(`${hub.queryUrl}/metrics`)).text();
  assert.match(ownMetrics, /meshscope_receiver_accepted_items_total\{receiver="jaeger"[^}]*\} [1-9]/);
});

test('a bad setting stops the app before it starts, naming the variable', async () => {
  const child = spawn(process.execPath, ['--import', REGISTER_JS, path.join(appDir, 'app.mjs')], {
    cwd: REPO_ROOT,
    env: { ...process.env, MESHSCOPE_TRACES_EXPORTER: 'zipkin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(stderr, /^meshscope node agent: MESHSCOPE_TRACES_EXPORTER must be otlp or jaeger, not "zipkin"$/m);
});
