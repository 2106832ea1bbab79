// `npm run demo` as a user runs it: the hub, six agents and six instrumented services as real processes,
// with short intervals and free ports. Everything the README promises must reach the hub through the
// agents (traces across the shop, the database nodes of the graph, logs with trace ids tailed from files,
// the services' prom-client metrics, a firing alert with example traces), and Ctrl-C must leave no
// process behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getJson, waitFor } from './harness.js';

const RUN_DEMO = fileURLToPath(new URL('../../agents/demo/run-demo.js', import.meta.url));
const SERVICES = ['frontend', 'cart', 'checkout', 'payments', 'inventory', 'recommendations'];

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
}

/** Every process on the machine, from /proc (Linux). */
function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may contain spaces and parentheses; the fields after its last ')' do not.
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      found.push({ pid: Number(entry), ppid: Number(ppid), pgrp: Number(pgrp) });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

const dir = mkdtempSync(path.join(tmpdir(), 'meshscope-demo-e2e-'));
let demo: ChildProcess;
let output = '';
let exited: Promise<number | null>;
let ui = '';
let childPids: number[] = [];

before(async () => {
  demo = spawn(process.execPath, [RUN_DEMO], {
    env: {
      ...process.env,
      MESHSCOPE_DEMO_DIR: dir,
      MESHSCOPE_QUERY_PORT: '0',
      MESHSCOPE_OTLP_GRPC_PORT: '0',
      MESHSCOPE_OTLP_HTTP_PORT: '0',
      MESHSCOPE_ZIPKIN_PORT: '0',
      MESHSCOPE_JAEGER_HTTP_PORT: '0',
      MESHSCOPE_SPAN_METRICS_INTERVAL: '1s',
      MESHSCOPE_RULE_INTERVAL: '1s',
      OTEL_METRIC_EXPORT_INTERVAL: '2000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  demo.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  exited = new Promise((resolve) => demo.once('exit', (code) => resolve(code)));
  await waitFor(() => /Ctrl-C stops everything/.test(output) || demo.exitCode !== null, 90_000, () => output);
  assert.equal(demo.exitCode, null, output);
  ui = /UI\s+(http:\/\/\S+?)\/\s/.exec(output)![1]!;
  childPids = processes().filter((info) => info.ppid === demo.pid).map((info) => info.pid);
});

after(async () => {
  if (demo.exitCode === null && demo.signalCode === null) {
    // A failed test must not leave the mesh running: kill each child's group, then the orchestrator.
    for (const pid of childPids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    demo.kill('SIGKILL');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

test('the demo runs the hub, one agent per service and six services as separate processes', () => {
  // 1 hub + 6 agents + 6 services.
  assert.equal(childPids.length, 13, output);
  assert.match(output, /payments fail 10% of charges/);
});

test('PaymentsErrorRate fires within about a minute and is printed with example traces of failed payments', async () => {
  let alert: any;
  await waitFor(
    async () => {
      const { body } = await getJson(`${ui}/api/v1/alerts`);
      alert = body.data?.alerts?.find((candidate: any) => candidate.labels.alertname === 'PaymentsErrorRate' && candidate.state === 'firing');
      return alert !== undefined;
    },
    80_000,
    () => output,
  );
  assert.equal(alert.labels.service, 'payments');
  assert.match(alert.annotations.summary, /^payments fails \d+(\.\d+)?% of charges$/);
  // The hub's webhook notification reaches the demo's printer, which links the example traces.
  const printed = /\[alert\] FIRING PaymentsErrorRate \(service=payments, severity=page\): payments fails [^\n]*\n\s+example traces:\n\s+(\S+)\/trace\/([0-9a-f]{32})/;
  await waitFor(() => printed.test(output), 10_000, () => output);
  const [, traceUiUrl, traceId] = printed.exec(output)!;
  assert.equal(traceUiUrl, ui);
  const { status, body } = await getJson(`${ui}/api/traces/${traceId}`);
  assert.equal(status, 200);
  const trace = body.data[0];
  const failedPayment = trace.spans.find(
    (span: any) => trace.processes[span.processID].serviceName === 'payments' && span.tags.some((tag: any) => tag.key === 'error' && tag.value === true),
  );
  assert.ok(failedPayment, 'the example trace holds a failed payments span');
});

test('a checkout trace spans at least five services', async () => {
  const { body } = await getJson(`${ui}/api/traces?service=checkout&lookback=1h&limit=20`);
  const serviceCounts = body.data.map((trace: any) => new Set(Object.values(trace.processes).map((process: any) => process.serviceName)).size);
  assert.ok(Math.max(...serviceCounts) >= 5, `services per trace: ${serviceCounts}`);
  // Only the agents set this resource attribute (the services' environment has no OTEL_RESOURCE_ATTRIBUTES):
  // the spans came through them, not straight to the hub.
  const processes = Object.values(body.data[0].processes) as any[];
  for (const process of processes) {
    assert.ok(process.tags.some((tag: any) => tag.key === 'deployment.environment.name' && tag.value === 'demo'), JSON.stringify(process));
  }
  const { body: services } = await getJson(`${ui}/api/services`);
  for (const service of SERVICES) assert.ok(services.data.includes(service), `${service} in ${services.data}`);
});

test('the service graph has the shop and its databases as virtual nodes', async () => {
  const { body } = await getJson(`${ui}/api/dependencies?endTs=${Date.now()}&lookback=3600000`);
  const edges = new Set(body.data.map((edge: any) => `${edge.parent}->${edge.child}`));
  for (const edge of ['user->frontend', 'frontend->checkout', 'checkout->payments', 'checkout->inventory', 'inventory->postgresql', 'cart->redis']) {
    assert.ok(edges.has(edge), `${edge} in ${[...edges].join(', ')}`);
  }
});

test('log lines tailed by the agents carry trace ids that lead to their traces', async () => {
  const { body } = await getJson(`${ui}/api/logs?query=${encodeURIComponent('service:payments severity:error')}&limit=20`);
  const line = body.data.find((candidate: any) => /^[0-9a-f]{32}$/.test(candidate.traceId));
  assert.ok(line, JSON.stringify(body).slice(0, 2000));
  assert.equal(line.attributes['log.file.name'], 'payments.log');
  assert.equal(line.resource['deployment.environment.name'], 'demo');
  const { body: traceLogs } = await getJson(`${ui}/api/traces/${line.traceId}/logs`);
  assert.ok(traceLogs.data.some((log: any) => log.service === 'checkout'), 'the trace also has the checkout log lines');
});

test('every service exports its prom-client metrics', async () => {
  const query = encodeURIComponent('count by (job) (demo_requests_total)');
  const { body } = await getJson(`${ui}/api/v1/query?query=${query}`);
  const jobs = body.data.result.map((sample: any) => sample.metric.job).sort();
  assert.deepEqual(jobs, [...SERVICES].sort());
  const failed = encodeURIComponent('sum(demo_payments_total{job="payments", outcome="failed"})');
  const { body: payments } = await getJson(`${ui}/api/v1/query?query=${failed}`);
  assert.ok(Number(payments.data.result[0]?.value[1]) > 0, JSON.stringify(payments));
});

test('Ctrl-C stops every process of the demo and exits cleanly', async () => {
  demo.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), 45_000)))]);
  clearTimeout(timer);
  assert.equal(code, 0, output);
  assert.match(output, /meshscope demo: stopped/);
  const left = processes().filter((info) => childPids.includes(info.pid) || childPids.includes(info.pgrp));
  assert.deepEqual(left, []);
});
