// Starts Debian's real Alertmanager (package prometheus-alertmanager) for interoperability tests: loopback
// on a free port, clustering off, a temporary storage dir and a generated config; waits for /-/ready.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../collector/alerting/notify/testing/capture-server.js';

export const ALERTMANAGER_BINARY = process.env.MESHSCOPE_TEST_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';

export interface AlertmanagerOptions {
  /** alertmanager.yml contents. */
  configYaml: string;
  /** --web.route-prefix, e.g. '/alertmanager'; the base URL then includes it. */
  routePrefix?: string;
  /** --web.external-url: what Alertmanager reports as externalURL in webhook messages. */
  externalUrl?: string;
}

export interface RunningAlertmanager {
  /** http://127.0.0.1:<port><routePrefix> */
  baseUrl: string;
  output(): string;
  /** GET /api/v2/alerts (active, silenced, inhibited and unprocessed alerts; resolved ones are not listed). */
  listAlerts(): Promise<GettableAlert[]>;
  stop(): Promise<void>;
}

/** The fields of Alertmanager's models.GettableAlert the tests read. */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  generatorURL?: string;
  fingerprint: string;
  receivers: { name: string }[];
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
}

export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  if (!existsSync(ALERTMANAGER_BINARY)) {
    throw new Error(`${ALERTMANAGER_BINARY} not found: install Debian's prometheus-alertmanager (apt-get install prometheus-alertmanager)`);
  }
  // Alertmanager cannot report a port it picked itself, so we pick one; another process may take it
  // before Alertmanager binds, and then we try another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, await freePort());
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 3) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(options: AlertmanagerOptions, port: number): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshscope-alertmanager-'));
  const configFile = path.join(dir, 'alertmanager.yml');
  writeFileSync(configFile, options.configYaml);
  const args = [
    `--config.file=${configFile}`,
    `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // An empty address turns the gossip cluster off, so no second port and no peers to wait for.
    '--cluster.listen-address=',
    ...(options.externalUrl ? [`--web.external-url=${options.externalUrl}`] : []),
    ...(options.routePrefix ? [`--web.route-prefix=${options.routePrefix}`] : []),
  ];
  const child = spawn(ALERTMANAGER_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}${(options.routePrefix ?? '').replace(/\/+$/, '')}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(baseUrl, () => child.exitCode !== null, () => output);
  } catch (error) {
    await stop();
    if (/address already in use/.test(output)) throw new PortTakenError(output);
    throw error;
  }
  return {
    baseUrl,
    output: () => output,
    async listAlerts() {
      const response = await fetch(`${baseUrl}/api/v2/alerts`);
      if (!response.ok) throw new Error(`GET /api/v2/alerts answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as GettableAlert[];
    },
    stop,
  };
}

/** Ready once Alertmanager says it listens and /-/ready answers 200, from Alertmanager itself. */
async function waitUntilReady(baseUrl: string, hasExited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (hasExited()) throw new Error(`alertmanager exited during start-up:\n${output()}`);
    if (output().includes('msg="Listening on"')) {
      try {
        const ready = await fetch(`${baseUrl}/-/ready`);
        await ready.arrayBuffer();
        if (ready.ok && (await isAlertmanager(baseUrl)) && !hasExited()) return;
      } catch {
        // not accepting connections yet
      }
    }
    if (Date.now() > deadline) throw new Error(`alertmanager not ready after 20 s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Guards against another server having taken the port: only Alertmanager reports its version here. */
async function isAlertmanager(baseUrl: string): Promise<boolean> {
  const response = await fetch(`${baseUrl}/api/v2/status`);
  const text = await response.text();
  return response.ok && text.includes('"versionInfo"');
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
