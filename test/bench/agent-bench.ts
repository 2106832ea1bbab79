// `npm run bench`: the sidecar agent's footprint against its targets. A real hub and a real
// `meshscope agent` process, started with the Node flags of `npm run agent`; the agent's CPU time and RSS
// are read from /proc.
//
// 1. Idle: the agent started, nothing sent, for BENCH_AGENT_IDLE_S seconds (default 20): RSS < 60 MiB and
//    CPU < 1 % of one core.
// 2. Forwarding: BENCH_AGENT_SPANS_PER_S spans/s (default 5,000) for BENCH_AGENT_LOAD_S seconds (default
//    30) as OTLP/HTTP protobuf requests of 100 spans (20 per trace, ~10 attributes each, fresh trace ids),
//    paced every 20 ms over keep-alive connections, forwarded to the hub: CPU < 25 % of one core. The run
//    ends when the agent's buffer is empty, and checks the hub has the last trace.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { Attribute, Resource, Span } from '../../collector/model/model.js';
import { encodeTracesRequest } from '../../agents/otlp/encode-otlp.js';
import { sampleValue, startAgentProcess } from '../e2e/agent-harness.js';
import { getJson, startHub, waitFor } from '../e2e/harness.js';

const IDLE_SECONDS = Number(process.env.BENCH_AGENT_IDLE_S ?? 20);
const LOAD_SECONDS = Number(process.env.BENCH_AGENT_LOAD_S ?? 30);
const SPANS_PER_SECOND = Number(process.env.BENCH_AGENT_SPANS_PER_S ?? 5000);
const SPANS_PER_REQUEST = 100;
const SPANS_PER_TRACE = 20;
const TICK_MS = 20;
const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const SERVICES = ['frontend', 'cart', 'checkout', 'payments'].map((name): Resource => ({
  attributes: [
    { key: 'service.name', value: { type: 'string', value: name } },
    { key: 'service.version', value: { type: 'string', value: '2.3.1' } },
    { key: 'telemetry.sdk.language', value: { type: 'string', value: 'nodejs' } },
  ],
  droppedAttributesCount: 0,
}));
const SCOPE = { name: '@opentelemetry/instrumentation-http', version: '0.57.0', attributes: [] };

/** One request's body: SPANS_PER_REQUEST spans in traces of SPANS_PER_TRACE, timestamps now. */
function requestBody(): { body: Buffer; lastTraceId: string } {
  const spans: Span[] = [];
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  let traceId = '';
  let rootId = '';
  for (let i = 0; i < SPANS_PER_REQUEST; i++) {
    if (i % SPANS_PER_TRACE === 0) traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    if (i % SPANS_PER_TRACE === 0) rootId = spanId;
    const attributes: Attribute[] = [
      { key: 'http.request.method', value: { type: 'string', value: 'GET' } },
      { key: 'http.response.status_code', value: { type: 'int', value: 200 } },
      { key: 'url.path', value: { type: 'string', value: `/api/items/${i}` } },
      { key: 'server.address', value: { type: 'string', value: 'cart' } },
      { key: 'server.port', value: { type: 'int', value: 8080 } },
      { key: 'network.protocol.version', value: { type: 'string', value: '1.1' } },
      { key: 'user_agent.original', value: { type: 'string', value: 'Mozilla/5.0 (X11; Linux x86_64) meshscope-bench' } },
      { key: 'app.cart.items', value: { type: 'int', value: i } },
      { key: 'app.cart.total', value: { type: 'double', value: 12.5 * i } },
      { key: 'app.premium', value: { type: 'bool', value: i % 3 === 0 } },
    ];
    spans.push({
      traceId,
      spanId,
      parentSpanId: i % SPANS_PER_TRACE === 0 ? '' : rootId,
      traceState: '',
      name: `GET /api/items/${i % 7}`,
      kind: i % 2 === 0 ? 2 : 3,
      startTimeUnixNano: nowNs - 5_000_000n,
      endTimeUnixNano: nowNs,
      attributes,
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
      flags: 1,
      shared: false,
      serviceName: '',
      resource: SERVICES[i % SERVICES.length]!,
      scope: SCOPE,
    });
  }
  return { body: encodeTracesRequest(spans), lastTraceId: traceId };
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of /proc/<pid>/stat (utime, stime); fields[0] here is field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

function post(agent: http.Agent, url: URL, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const hub = await startHub();
  const agent = await startAgentProcess({ collectorUrls: [hub.otlpHttpUrl] });
  const pid = agent.process.pid!;
  try {
    await sleep(2000); // start-up work (module loading, JIT) is not idling
    const idleCpuStart = cpuSeconds(pid);
    await sleep(IDLE_SECONDS * 1000);
    const idleCpuPercent = ((cpuSeconds(pid) - idleCpuStart) / IDLE_SECONDS) * 100;
    const idleRss = rssMiB(pid);

    const requestsPerTick = (SPANS_PER_SECOND * TICK_MS) / 1000 / SPANS_PER_REQUEST;
    const bodies = Array.from({ length: Math.ceil((SPANS_PER_SECOND * LOAD_SECONDS) / SPANS_PER_REQUEST) }, requestBody);
    const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const url = new URL(`${agent.otlpHttpUrl}/v1/traces`);
    let sent = 0;
    let failed = 0;
    let peakRss = 0;
    const inFlight: Promise<void>[] = [];
    const loadCpuStart = cpuSeconds(pid);
    const startedAt = performance.now();
    for (let tick = 0; sent < bodies.length; tick++) {
      const due = Math.min(bodies.length, Math.round((tick + 1) * requestsPerTick));
      while (sent < due) {
        const body = bodies[sent++]!.body;
        inFlight.push(post(httpAgent, url, body).then((status) => void (status === 200 || failed++)));
      }
      peakRss = Math.max(peakRss, rssMiB(pid));
      const wait = startedAt + (tick + 1) * TICK_MS - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await Promise.all(inFlight);
    const loadSeconds = (performance.now() - startedAt) / 1000;
    const loadCpuPercent = ((cpuSeconds(pid) - loadCpuStart) / loadSeconds) * 100;
    let metricsText = '';
    await waitFor(async () => {
      metricsText = await agent.metrics();
      return sampleValue(metricsText, 'meshscope_agent_queue_items') === 0;
    }, 120_000, () => metricsText);
    const drainedSeconds = (performance.now() - startedAt) / 1000;
    const last = bodies[bodies.length - 1]!.lastTraceId;
    await waitFor(async () => (await getJson(`${hub.queryUrl}/api/traces/${last}`)).status === 200, 60_000);
    httpAgent.destroy();

    const spansSent = bodies.length * SPANS_PER_REQUEST;
    const forwarded = sampleValue(metricsText, 'meshscope_agent_sent_items_total', { signal: 'traces' });
    console.log(`agent footprint — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
    console.log(`  idle ${IDLE_SECONDS} s:      RSS ${idleRss.toFixed(1)} MiB (target < 60)   CPU ${idleCpuPercent.toFixed(2)} % of a core (target < 1)`);
    console.log(
      `  forwarding:     ${spansSent.toLocaleString('en-US')} spans at ${Math.round(spansSent / loadSeconds).toLocaleString('en-US')} spans/s over ${loadSeconds.toFixed(1)} s: ` +
        `CPU ${loadCpuPercent.toFixed(1)} % of a core (target < 25)   peak RSS ${peakRss.toFixed(1)} MiB`,
    );
    console.log(`  delivered:      ${forwarded.toLocaleString('en-US')} spans forwarded, buffer empty ${drainedSeconds.toFixed(1)} s after the first request; ${failed} requests refused`);
    const verdict = idleRss < 60 && idleCpuPercent < 1 && loadCpuPercent < 25 && failed === 0 ? 'within targets' : 'OVER TARGET';
    console.log(`  ${verdict}`);
  } finally {
    await agent.stop({ removeBuffer: true });
    await hub.stop({ removeData: true });
  }
}

await main();
