// Reading typed values from environment variables, shared by the hub's and the agent's configuration.
// Every bad value fails with one line naming the variable and what it accepts (a ConfigError); only the
// entry point turns that into an exit code.

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function fail(name: string, value: string, allowed: string): never {
  const shown = value === '' ? 'unset' : `'${value}'`;
  throw new ConfigError(`${name} is ${shown}; expected ${allowed}`);
}

export function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) fail(name, raw, 'a port number from 0 to 65535 (0 picks a free port)');
  return Number(raw);
}

export function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) fail(name, raw, 'a positive integer');
  return Number(raw);
}

export function nonNegativeInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) fail(name, raw, 'a non-negative integer');
  return Number(raw);
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration in ms, s, m or h (500ms, 30s, 2m, 1h); zero allowed. */
export function durationMs(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(raw);
  if (!match) fail(name, raw, 'a duration such as 500ms, 30s, 2m or 1h');
  return Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
}

export function positiveDurationMs(env: Env, name: string, fallback: number): number {
  const value = durationMs(env, name, fallback);
  if (value <= 0) fail(name, env[name] ?? '', 'a duration above zero such as 15s or 1m');
  return value;
}

/** Comma-separated values, trimmed, empty ones dropped. */
export function commaList(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '');
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Comma-separated absolute http(s) URLs; `what` describes them in the error. */
export function urlList(env: Env, name: string, what = 'comma-separated http:// or https:// URLs'): string[] {
  const raw = env[name] ?? '';
  const urls = commaList(raw);
  for (const url of urls) if (!isHttpUrl(url)) fail(name, raw, what);
  return urls;
}

/** Fails on the first listener whose port another already uses (0, "pick a free port", may repeat). */
export function requireDistinctPorts(ports: readonly [variable: string, port: number][]): void {
  const seen = new Map<number, string>();
  for (const [name, value] of ports) {
    const other = seen.get(value);
    if (other && value !== 0) fail(name, String(value), `a port not already used by ${other}`);
    seen.set(value, name);
  }
}
