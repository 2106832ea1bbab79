#!/usr/bin/env node
// `npm run demo`: the hub, one sidecar agent per service and a six-service shop calling each other over
// HTTP, with users, failing payments and an alert rule, so every page of the UI has something to show
// within a minute. Ctrl-C stops everything, in order, and waits for every process to exit.
//
// Settings (environment): MESHSCOPE_DEMO_DIR (default ./demo-data), MESHSCOPE_DEMO_ERROR_RATE (share of
// failing payments, default 0.1), MESHSCOPE_DEMO_RPS (user requests per second, default 3),
// MESHSCOPE_DEMO_LATENCY_SCALE (multiplies every latency, default 1). The hub's own variables
// (MESHSCOPE_QUERY_PORT, MESHSCOPE_RULES_FILE, …) pass through to it.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAlertPrinter, type AlertPrinter } from './alert-printer.js';
import { parsePositive, parseRate } from './behaviour.js';
import { LoadGenerator } from './load-generator.js';
import { startChild, waitForOutput, type ChildSpec, type ManagedChild } from './processes.js';
import { DEMO_CALLS, DEMO_SERVICES, type DemoService } from './topology.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MESHSCOPE_MAIN = path.join(REPO_ROOT, 'dist/collector/main.js');
const NODE_REGISTER = path.join(REPO_ROOT, 'dist/agents/node/register.js');
const SERVICE_MAIN = fileURLToPath(new URL('./service.js', import.meta.url));
const DEFAULT_RULES = path.join(REPO_ROOT, 'agents/demo/rules.yml');
const START_TIMEOUT_MS = 60_000;

/** The hub's listeners and their usual ports; a busy one is replaced by a free port. */
const HUB_PORTS: readonly [variable: string, port: number][] = [
  ['MESHSCOPE_QUERY_PORT', 16686],
  ['MESHSCOPE_OTLP_GRPC_PORT', 4317],
  ['MESHSCOPE_OTLP_HTTP_PORT', 4318],
  ['MESHSCOPE_ZIPKIN_PORT', 9411],
  ['MESHSCOPE_JAEGER_HTTP_PORT', 14268],
];

interface DemoSettings {
  dir: string;
  errorRate: number;
  requestsPerSecond: number;
  latencyScale: number;
}

interface Hub {
  child: ManagedChild;
  queryUrl: string;
  otlpHttpUrl: string;
}

interface RunningDemo {
  children: ManagedChild[];
  load?: LoadGenerator;
  alerts?: AlertPrinter;
  /** The hub's query API, once known (for the links the alert printer shows). */
  uiUrl: string;
  /** Set once stopping began: nothing new may start. */
  closed: boolean;
}

/** Starts a child unless the demo is already stopping, and keeps it for the orderly stop. */
function launch(running: RunningDemo, spec: ChildSpec): ManagedChild {
  if (running.closed) throw new Error('stopping; not starting ' + spec.name);
  const child = startChild(spec);
  running.children.push(child);
  return child;
}

function readSettings(env: NodeJS.ProcessEnv): DemoSettings {
  return {
    dir: path.resolve(env.MESHSCOPE_DEMO_DIR || 'demo-data'),
    errorRate: parseRate('MESHSCOPE_DEMO_ERROR_RATE', env.MESHSCOPE_DEMO_ERROR_RATE, 0.1),
    requestsPerSecond: parsePositive('MESHSCOPE_DEMO_RPS', env.MESHSCOPE_DEMO_RPS, 3),
    latencyScale: parsePositive('MESHSCOPE_DEMO_LATENCY_SCALE', env.MESHSCOPE_DEMO_LATENCY_SCALE, 1),
  };
}

/** The environment without Meshscope's and OpenTelemetry's variables, for agents and services. */
function neutralEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MESHSCOPE_') && !name.startsWith('OTEL_')));
}

async function isPortFree(host: string, port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Free ports, held open together while choosing so that they differ. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** The hub's port settings: the user's, else the usual port, else (busy) a free one, saying so. */
async function hubPortEnv(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const host = env.MESHSCOPE_HOST || '127.0.0.1';
  const ports: Record<string, string> = {};
  for (const [variable, port] of HUB_PORTS) {
    if (env[variable]) continue;
    if (await isPortFree(host, port)) continue;
    console.log(`port ${port} is in use; the hub takes a free port for ${variable} instead (set ${variable} to choose one)`);
    ports[variable] = '0';
  }
  return ports;
}

/** The hub notifies the demo's alert printer as well as any webhook the user configured. */
function webhookUrls(printer: AlertPrinter): string {
  return [process.env.MESHSCOPE_ALERT_WEBHOOK_URL, printer.url].filter((url) => url !== undefined && url !== '').join(',');
}

async function startHub(settings: DemoSettings, running: RunningDemo): Promise<Hub> {
  running.alerts = await startAlertPrinter(() => running.uiUrl);
  const env = {
    MESHSCOPE_DATA_DIR: path.join(settings.dir, 'hub'),
    MESHSCOPE_RULES_FILE: DEFAULT_RULES,
    // Short intervals so that metrics, the graph and the alert appear within a minute.
    MESHSCOPE_SPAN_METRICS_INTERVAL: '5s',
    MESHSCOPE_RULE_INTERVAL: '5s',
    MESHSCOPE_SERVICE_GRAPH_WAIT: '10s',
    ...process.env,
    ...(await hubPortEnv(process.env)),
    MESHSCOPE_ALERT_WEBHOOK_URL: webhookUrls(running.alerts),
  };
  const child = launch(running, { name: 'hub', args: [MESHSCOPE_MAIN, 'all-in-one'], env, output: 'pipe' });
  // The listeners are printed once all are bound; Jaeger Thrift is the last line.
  await waitForOutput(child, /Jaeger Thrift/, START_TIMEOUT_MS);
  const find = (pattern: RegExp) => pattern.exec(child.output())?.[1] ?? '';
  running.uiUrl = find(/query API\s+(http:\/\/[^/\s]+)/);
  return { child, queryUrl: running.uiUrl, otlpHttpUrl: find(/OTLP\/HTTP\s+(http:\/\/[^/\s]+)/) };
}

/** One sidecar agent: forwards to the hub and tails its service's log file. Resolves with its OTLP/HTTP base URL. */
async function startAgent(service: DemoService, hub: Hub, settings: DemoSettings, running: RunningDemo): Promise<string> {
  const env = {
    ...neutralEnv(),
    MESHSCOPE_COLLECTOR_URL: hub.otlpHttpUrl,
    MESHSCOPE_AGENT_BUFFER_DIR: path.join(settings.dir, 'agents', service),
    MESHSCOPE_SERVICE_NAME: service,
    MESHSCOPE_LOG_FILES: logFile(settings, service),
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=demo',
    // Sidecars share the host here, so every listener takes a free port.
    MESHSCOPE_AGENT_OTLP_GRPC_PORT: '0',
    MESHSCOPE_AGENT_OTLP_HTTP_PORT: '0',
    MESHSCOPE_AGENT_ZIPKIN_PORT: '0',
    MESHSCOPE_AGENT_JAEGER_HTTP_PORT: '0',
    MESHSCOPE_AGENT_JAEGER_COMPACT_PORT: '0',
    MESHSCOPE_AGENT_PORT: '0',
    ...(process.env.MESHSCOPE_INGEST_TOKEN ? { MESHSCOPE_INGEST_TOKEN: process.env.MESHSCOPE_INGEST_TOKEN } : {}),
  };
  const child = launch(running, { name: `${service} agent`, args: [MESHSCOPE_MAIN, 'agent'], env, output: 'pipe' });
  const [, url] = await waitForOutput(child, /OTLP\/HTTP\s+(http:\/\/[^/\s]+)/, START_TIMEOUT_MS);
  return url!;
}

function logFile(settings: DemoSettings, service: DemoService): string {
  return path.join(settings.dir, 'logs', `${service}.log`);
}

/** A service under the Node bootstrap, its stdout and stderr appended to the file its agent tails. */
function startService(service: DemoService, port: number, agentUrl: string, peers: Record<string, string>, settings: DemoSettings, running: RunningDemo): ManagedChild {
  const env = {
    ...neutralEnv(),
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: agentUrl,
    OTEL_METRIC_EXPORT_INTERVAL: process.env.OTEL_METRIC_EXPORT_INTERVAL || '5000',
    // HTTP is all the shop speaks; the database spans are made by hand.
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http',
    MESHSCOPE_DEMO_SERVICE: service,
    MESHSCOPE_DEMO_PORT: String(port),
    MESHSCOPE_DEMO_PEERS: JSON.stringify(peers),
    MESHSCOPE_DEMO_ERROR_RATE: String(service === 'payments' ? settings.errorRate : 0),
    MESHSCOPE_DEMO_LATENCY_SCALE: String(settings.latencyScale),
  };
  const file = logFile(settings, service);
  const fd = openSync(file, 'a');
  try {
    return launch(running, { name: service, args: ['--import', NODE_REGISTER, SERVICE_MAIN], env, output: { fd, path: file } });
  } finally {
    closeSync(fd);
  }
}

/** Resolves once the port accepts connections (a TCP probe, so no request shows up as a trace). */
async function waitForPort(child: ManagedChild, port: number): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (!(await accepts(port))) {
    if (exited) throw new Error(`${child.name} exited while starting ${child.output()}`);
    if (Date.now() > deadline) throw new Error(`${child.name} did not listen on ${port} within ${START_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function startMesh(hub: Hub, settings: DemoSettings, running: RunningDemo): Promise<string> {
  for (const sub of ['logs', 'agents']) mkdirSync(path.join(settings.dir, sub), { recursive: true });
  const agentUrls = await Promise.all(DEMO_SERVICES.map((service) => startAgent(service, hub, settings, running)));
  const ports = await freePorts(DEMO_SERVICES.length);
  const peers = Object.fromEntries(DEMO_SERVICES.map((service, i) => [service, `http://127.0.0.1:${ports[i]}`]));
  const services = DEMO_SERVICES.map((service, i) => startService(service, ports[i]!, agentUrls[i]!, peers, settings, running));
  await Promise.all(services.map((child, i) => waitForPort(child, ports[i]!)));
  return peers.frontend!;
}

function printGuide(hub: Hub, settings: DemoSettings): void {
  const ui = hub.queryUrl;
  console.log(
    [
      '',
      `Meshscope demo running: ${DEMO_SERVICES.length} services, each with its own agent, sending to one hub.`,
      `  UI                 ${ui}/`,
      `  hub OTLP/HTTP      ${hub.otlpHttpUrl}`,
      `  data and logs      ${settings.dir}`,
      `  users              ${settings.requestsPerSecond} requests/s; payments fail ${Math.round(settings.errorRate * 100)}% of charges (MESHSCOPE_DEMO_ERROR_RATE)`,
      '',
      'The shop:',
      ...DEMO_CALLS.map((line) => `  ${line}`),
      '',
      'What to look at (everything is there within about a minute):',
      `  service graph      ${ui}/graph            six services, the user, postgresql and redis`,
      `  traces             ${ui}/search?service=frontend&operation=POST%20%2Fcheckout   a checkout across five services`,
      `  logs               ${ui}/logs?query=severity:error   failed payments, each linked to its trace`,
      `  metrics            ${ui}/metrics?query=sum%20by%20(job)%20(rate(demo_requests_total%5B1m%5D))`,
      `  alerts             ${ui}/alerts           PaymentsErrorRate fires in under a minute; it is printed here too, with example traces`,
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

/** Stops in dependency order so nothing is lost: users, services (SDK flush), agents (forward), hub. */
async function stopAll(running: RunningDemo): Promise<void> {
  running.closed = true;
  await running.load?.stop();
  const role = (child: ManagedChild) => (child.name === 'hub' ? 'hub' : child.name.endsWith(' agent') ? 'agent' : 'service');
  const stopRole = (name: string, graceMs: number) => Promise.all(running.children.filter((child) => role(child) === name).map((child) => child.stop(graceMs)));
  await stopRole('service', 5_000);
  await stopRole('agent', 10_000);
  await stopRole('hub', 15_000);
  await running.alerts?.close();
}

/**
 * The first SIGINT, SIGTERM or SIGHUP resolves the promise (an orderly stop follows); a second one kills
 * every child's process group at once and exits, for when the orderly stop takes too long. SIGHUP matters
 * because the children have sessions of their own: a closed terminal would not reach them.
 */
function onSignals(running: RunningDemo): Promise<NodeJS.Signals> {
  let received = 0;
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      received++;
      if (received === 1) return resolve(signal);
      for (const child of running.children) child.kill();
      process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
  });
}

/** Resolves when any child exits before it was asked to: the demo cannot go on without it. */
function firstUnexpectedExit(running: RunningDemo): Promise<string> {
  return Promise.race(running.children.map((child) => child.exited.then((code) => `${child.name} exited (${code}) unexpectedly:\n${child.output().slice(-4000)}`)));
}

function reportLoad(load: LoadGenerator): NodeJS.Timeout {
  const timer = setInterval(() => {
    const { sent, failed } = load.takeStats();
    console.log(`[demo] last 30 s: ${sent} requests, ${failed} failed`);
  }, 30_000);
  timer.unref();
  return timer;
}

async function startDemo(settings: DemoSettings, running: RunningDemo): Promise<void> {
  const hub = await startHub(settings, running);
  const frontendUrl = await startMesh(hub, settings, running);
  if (running.closed) return;
  running.load = new LoadGenerator(frontendUrl, settings.requestsPerSecond);
  running.load.start();
  printGuide(hub, settings);
}

type Outcome = { kind: 'started' } | { kind: 'failed'; error: Error } | { kind: 'signal'; signal: NodeJS.Signals };

async function main(): Promise<number> {
  const settings = readSettings(process.env);
  const running: RunningDemo = { children: [], closed: false, uiUrl: '' };
  const signalled = onSignals(running);
  const startup = startDemo(settings, running);
  const outcome = await Promise.race<Outcome>([
    startup.then(
      () => ({ kind: 'started' }),
      (error: unknown) => ({ kind: 'failed', error: error as Error }),
    ),
    signalled.then((signal) => ({ kind: 'signal', signal })),
  ]);
  if (outcome.kind === 'failed') {
    console.error(`meshscope demo: ${outcome.error.message}`);
    await stopAll(running);
    return 1;
  }
  let reason: string = outcome.kind === 'signal' ? outcome.signal : '';
  if (outcome.kind === 'started') {
    const reporter = reportLoad(running.load!);
    reason = await Promise.race([signalled, firstUnexpectedExit(running)]);
    clearInterval(reporter);
  } else {
    // Interrupted while starting: the half-finished start-up fails once its children are stopped.
    startup.catch(() => {});
  }
  const bySignal = reason === 'SIGINT' || reason === 'SIGTERM' || reason === 'SIGHUP';
  if (!bySignal) console.error(`meshscope demo: ${reason}`);
  console.log('meshscope demo: stopping the users, services, agents and the hub');
  await stopAll(running);
  console.log('meshscope demo: stopped');
  return bySignal ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`meshscope demo: ${(error as Error).message}`);
    process.exit(2);
  },
);
