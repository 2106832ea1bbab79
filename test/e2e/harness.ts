// Starts the real `meshscope` command as a child process on free ports and a temporary data dir, the
// way a user runs it, and learns the bound ports from what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../collector/main.js', import.meta.url));

export interface RunningHub {
  process: ChildProcess;
  dataDir: string;
  queryUrl: string;
  otlpHttpUrl: string;
  otlpGrpcAddress: string;
  zipkinUrl: string;
  jaegerUrl: string;
  adminUrl: string;
  output: () => string;
  /** SIGTERM and wait for exit; keeps the data dir unless removeData. */
  stop(options?: { removeData?: boolean }): Promise<number | null>;
  kill9(): Promise<void>;
}

export interface StartOptions {
  role?: 'all-in-one' | 'collector' | 'query';
  dataDir?: string;
  env?: Record<string, string>;
}

export async function startHub(options: StartOptions = {}): Promise<RunningHub> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'meshscope-e2e-'));
  const env = {
    ...process.env,
    MESHSCOPE_DATA_DIR: dataDir,
    MESHSCOPE_OTLP_GRPC_PORT: '0',
    MESHSCOPE_OTLP_HTTP_PORT: '0',
    MESHSCOPE_ZIPKIN_PORT: '0',
    MESHSCOPE_JAEGER_HTTP_PORT: '0',
    MESHSCOPE_QUERY_PORT: '0',
    MESHSCOPE_ADMIN_PORT: '0',
    ...options.env,
  };
  const child = spawn(process.execPath, [MAIN, options.role ?? 'all-in-one'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => /started; data in/.test(output) || child.exitCode !== null, 20_000, () => output);
  if (child.exitCode !== null) throw new Error(`meshscope exited with ${child.exitCode}:\n${output}`);
  // Printing happens after every listener is bound; wait for the last line.
  await waitFor(() => output.includes(options.role === 'query' ? 'query API' : 'Jaeger Thrift'), 5000, () => output);
  const find = (pattern: RegExp) => pattern.exec(output)?.[1] ?? '';
  const hub: RunningHub = {
    process: child,
    dataDir,
    queryUrl: find(/query API\s+(http:\/\/\S+?)\/\s/),
    adminUrl: find(/health, metrics\s+(http:\/\/[^/\s]+)/),
    otlpHttpUrl: find(/OTLP\/HTTP\s+(http:\/\/[^/\s]+)/),
    otlpGrpcAddress: find(/OTLP\/gRPC\s+(\S+)/),
    zipkinUrl: find(/Zipkin\s+(http:\/\/[^/\s]+)/),
    jaegerUrl: find(/Jaeger Thrift\s+(http:\/\/[^/\s]+)/),
    output: () => output,
    async stop(stopOptions = {}) {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (stopOptions.removeData) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
  return hub;
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** GET a JSON document from the hub; returns status and parsed body. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON; keep the text for the assertion message
  }
  return { status: response.status, body };
}

/** A local receiver of Alertmanager's webhook JSON: every message posted to it, parsed, in order. */
export interface WebhookReceiver {
  url: string;
  messages: any[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const messages: any[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      messages.push(JSON.parse(body));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, messages, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
