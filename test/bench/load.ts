// What both ingest benchmarks share: replaying OTLP/HTTP protobuf requests over keep-alive connections,
// a bare HTTP sink to compare against, and reading the hub's peak RSS.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

export const CONNECTIONS = 8;

export function hrTimeToNs([seconds, nanos]: [number, number]): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

/** Every offset at which `needle` occurs in `haystack`. */
export function offsetsOf(haystack: Buffer, needle: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) offsets.push(at);
  return offsets;
}

/**
 * Posts `count` requests over CONNECTIONS keep-alive connections, retrying 429/503 after 50 ms; the
 * body of request i comes from `bodyOf(i)`. Returns when every request was answered 200.
 */
export async function replay(url: string, count: number, bodyOf: (index: number) => Buffer): Promise<{ seconds: number; startedAt: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const target = new URL(url);
  let next = 0;
  const startedAt = performance.now();
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await postWithRetry(agent, target, bodyOf(index));
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.destroy();
  return { seconds: (performance.now() - startedAt) / 1000, startedAt };
}

async function postWithRetry(agent: http.Agent, target: URL, body: Buffer): Promise<void> {
  for (;;) {
    const status = await post(agent, target, body);
    if (status === 200) return;
    if (status !== 429 && status !== 503) throw new Error(`ingest answered ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function post(agent: http.Agent, target: URL, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** An HTTP server that reads each body and answers 200: the ceiling the hub is compared with. */
export async function bareSink(path: string): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((request, response) => {
    request.on('data', () => {});
    request.on('end', () => response.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, close: () => server.close() };
}

export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** The store the hub under test writes, as MESHSCOPE_STORAGE (which the hub inherits) selects it. */
export function storageLabel(): string {
  return process.env.MESHSCOPE_STORAGE || 'sqlite';
}

export function formatRate(rate: number): string {
  return Math.round(rate).toLocaleString('en-US');
}
