// Binding the listeners of a process (the hub's or the agent's) with one failure message: a port that
// cannot be bound is a configuration error naming the variable that set it, and every bound listener is
// registered so shutdown closes it.
import type { Server } from 'node:http';
import type * as grpc from '@grpc/grpc-js';
import { ConfigError } from '../config/env-values.js';
import { bindGrpc, shutdownGrpc } from '../receivers/otlp/grpc-receiver.js';
import { close, listen } from './server.js';

/** The environment variable that set a port, and its value: named when binding fails. */
export type PortSetting = [variable: string, port: number];

export interface Listener {
  bind(host: string, port: number): Promise<number>;
  close(): Promise<void>;
}

export function httpListener(server: Server): Listener {
  return { bind: async (host, port) => (await listen(server, host, port)).port, close: () => close(server) };
}

export function grpcListener(server: grpc.Server): Listener {
  return { bind: (host, port) => bindGrpc(server, host, port), close: () => shutdownGrpc(server) };
}

/** Binds and registers for shutdown; a failure names the setting, as configuration errors do. */
export async function startListener(listeners: Listener[], listener: Listener, host: string, [variable, port]: PortSetting): Promise<number> {
  try {
    const bound = await listener.bind(host, port);
    listeners.push(listener);
    return bound;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' || /address already in use/i.test((error as Error).message)
      ? 'is already in use'
      : `cannot be bound: ${(error as Error).message}`;
    throw new ConfigError(`${variable} is '${port}'; ${host}:${port} ${reason}`);
  }
}

/** A shutdown that runs once however often it is called. */
export function once(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= action());
}
