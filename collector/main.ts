#!/usr/bin/env node
// The `meshscope` command. The only place that prints start-up errors and exits.
import { ConfigError, loadConfig, type Config } from './config/config.js';
// The hub and the agent are loaded only by the command that runs them: a sidecar agent must not pay for
// the store, the query API and the UI in memory.
import type { BoundPorts, Hub, Role } from './hub.js';
import type { Agent } from '../agents/agent/agent.js';
import type { AgentConfig, AgentPorts } from '../agents/agent/config.js';

const ROLES: readonly Role[] = ['all-in-one', 'collector', 'query'];

const USAGE = `usage: meshscope <command>

commands:
  all-in-one   receivers, embedded store and query API in one process (what npm start runs)
  collector    receivers and the store writer only; health and metrics on MESHSCOPE_ADMIN_PORT
  query        query API over the data dir a collector writes (read-only)
  agent        sidecar agent: receives on loopback, buffers on disk, forwards to MESHSCOPE_COLLECTOR_URL

Configuration is by environment variable; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'all-in-one';
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'agent') return runAgent();
  if (!ROLES.includes(command as Role)) {
    console.error(`meshscope: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  const role = command as Role;
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`meshscope: ${error.message}`);
      return 2;
    }
    throw error;
  }
  let hub: Hub;
  try {
    const { startHub } = await import('./hub.js');
    hub = await startHub(config, role);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`meshscope: ${error.message}`);
      return 2;
    }
    throw error;
  }
  printListeners(config, role, hub.ports);
  // SIGHUP re-reads rule files, as it makes Prometheus reload; a bad file leaves the running rules alone.
  process.on('SIGHUP', () => void hub.reloadRules());
  await waitForSignal();
  console.log('meshscope: shutting down');
  await hub.shutdown();
  return 0;
}

async function runAgent(): Promise<number> {
  let config: AgentConfig;
  let agent: Agent;
  try {
    const [{ loadAgentConfig }, { startAgent }, { openDiskQueue }] = await Promise.all([
      import('../agents/agent/config.js'),
      import('../agents/agent/agent.js'),
      import('../agents/queue/disk-queue.js'),
    ]);
    config = loadAgentConfig();
    agent = await startAgent(config, { openQueue: openDiskQueue });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`meshscope: ${error.message}`);
      return 2;
    }
    throw error;
  }
  printAgentListeners(config, agent.ports);
  await waitForSignal();
  console.log('meshscope agent: shutting down');
  await agent.shutdown();
  return 0;
}

function printAgentListeners(config: AgentConfig, ports: AgentPorts): void {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  console.log(
    [
      `meshscope agent started; buffer in ${config.bufferDir}; forwarding to ${config.collectorUrls.join(', ')}`,
      `  health, metrics    http://${host}:${ports.admin}/ready  /metrics`,
      `  OTLP/gRPC          ${host}:${ports.otlpGrpc}`,
      `  OTLP/HTTP          http://${host}:${ports.otlpHttp}/v1/traces  /v1/logs  /v1/metrics`,
      `  Zipkin             http://${host}:${ports.zipkin}/api/v2/spans`,
      `  Jaeger compact UDP ${host}:${ports.jaegerCompactUdp}`,
      `  Jaeger Thrift      http://${host}:${ports.jaegerHttp}/api/traces`,
    ].join('\n'),
  );
}

function printListeners(config: Config, role: Role, ports: BoundPorts): void {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const lines = [`meshscope ${role} started; data in ${dataLocation(config)}`];
  if (ports.query !== undefined) lines.push(`  query API          http://${host}:${ports.query}/`);
  if (ports.admin !== undefined) lines.push(`  health, metrics    http://${host}:${ports.admin}/ready  /metrics`);
  if (ports.otlpGrpc !== undefined) lines.push(`  OTLP/gRPC          ${host}:${ports.otlpGrpc}`);
  if (ports.otlpHttp !== undefined) lines.push(`  OTLP/HTTP          http://${host}:${ports.otlpHttp}/v1/traces  /v1/logs  /v1/metrics`);
  if (ports.zipkin !== undefined) lines.push(`  Zipkin             http://${host}:${ports.zipkin}/api/v2/spans`);
  if (ports.jaegerHttp !== undefined) lines.push(`  Jaeger Thrift      http://${host}:${ports.jaegerHttp}/api/traces`);
  console.log(lines.join('\n'));
}

function dataLocation(config: Config): string {
  if (config.storage.kind === 'sqlite') return config.dataDir;
  const { nodes, indexPrefix } = config.storage.connection;
  return `elasticsearch ${nodes.join(', ')} (indices ${indexPrefix}-*)`;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`meshscope: ${(error as Error).message}`);
    process.exit(1);
  },
);
