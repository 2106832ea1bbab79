// Starts the real `meshscope agent` command as a child process, the way harness.ts starts the hub: free
// ports, a buffer dir (temporary unless given, so a restarted agent can reuse it), ports learned from what
// it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './harness.js';

const MAIN = fileURLToPath(new URL('../../collector/main.js', import.meta.url));
/**
 * The Node flags `npm run agent` (package.json) runs the agent with: a 2 MiB young generation keeps its
 * memory under load near its idle size at no measurable CPU cost (agent-bench.ts).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

export interface RunningAgent {
  process: ChildProcess;
  bufferDir: string;
  adminUrl: string;
  otlpHttpUrl: string;
  otlpGrpcAddress: string;
  zipkinUrl: string;
  jaegerUrl: string;
  jaegerUdpPort: number;
  output: () => string;
  /** The agent's /metrics text. */
  metrics(): Promise<string>;
  /** SIGTERM and wait for exit; keeps the buffer dir unless removeBuffer. */
  stop(options?: { removeBuffer?: boolean }): Promise<number | null>;
  kill9(): Promise<void>;
}

export interface AgentStartOptions {
  collectorUrls: string[];
  bufferDir?: string;
  env?: Record<string, string>;
}

export async function startAgentProcess(options: AgentStartOptions): Promise<RunningAgent> {
  const bufferDir = options.bufferDir ?? mkdtempSync(path.join(tmpdir(), 'meshscope-agent-e2e-'));
  const env = {
    ...process.env,
    MESHSCOPE_COLLECTOR_URL: options.collectorUrls.join(','),
    MESHSCOPE_AGENT_BUFFER_DIR: bufferDir,
    MESHSCOPE_AGENT_OTLP_GRPC_PORT: '0',
    MESHSCOPE_AGENT_OTLP_HTTP_PORT: '0',
    MESHSCOPE_AGENT_ZIPKIN_PORT: '0',
    MESHSCOPE_AGENT_JAEGER_HTTP_PORT: '0',
    MESHSCOPE_AGENT_JAEGER_COMPACT_PORT: '0',
    MESHSCOPE_AGENT_PORT: '0',
    ...options.env,
  };
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, MAIN, 'agent'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => /Jaeger Thrift/.test(output) || child.exitCode !== null, 20_000, () => output);
  if (child.exitCode !== null) throw new Error(`meshscope agent exited with ${child.exitCode}:\n${output}`);
  const find = (pattern: RegExp) => pattern.exec(output)?.[1] ?? '';
  const adminUrl = find(/health, metrics\s+(http:\/\/[^/\s]+)/);
  return {
    process: child,
    bufferDir,
    adminUrl,
    otlpHttpUrl: find(/OTLP\/HTTP\s+(http:\/\/[^/\s]+)/),
    otlpGrpcAddress: find(/OTLP\/gRPC\s+(\S+)/),
    zipkinUrl: find(/Zipkin\s+(http:\/\/[^/\s]+)/),
    jaegerUrl: find(/Jaeger Thrift\s+(http:\/\/[^/\s]+)/),
    jaegerUdpPort: Number(find(/Jaeger compact UDP\s+\S+:(\d+)/)),
    output: () => output,
    metrics: async () => (await fetch(`${adminUrl}/metrics`)).text(),
    async stop(stopOptions = {}) {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (stopOptions.removeBuffer) rmSync(bufferDir, { recursive: true, force: true });
      return code;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A TCP port free right now, so a hub can be restarted on the address an agent already forwards to. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The value of one sample in Prometheus text, summed over the series matching every given label. */
export function sampleValue(metricsText: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
