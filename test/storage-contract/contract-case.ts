// The shape of a contract case and how answers of different backends are made comparable.
import type { Storage } from '../../collector/storage/api.js';
import type { Capability } from './backends.js';

/** One query against the shared fixture, and the answer every backend must give. */
export interface ContractCase {
  name: string;
  needs: Capability;
  /** Runs the query; where the contract leaves an order open, the query puts the answer in one. */
  query(storage: Storage): Promise<unknown>;
  /** The part of the answer written down in `expected`; the whole answer when absent. */
  view?(answer: unknown): unknown;
  expected: unknown;
}

/** Typed construction of a case; the list of cases holds them as ContractCase. */
export function contractCase<T>(spec: {
  name: string;
  needs: Capability;
  query(storage: Storage): Promise<T>;
  view?(answer: T): unknown;
  expected: unknown;
}): ContractCase {
  return spec as ContractCase;
}

/**
 * The answer as backends must agree on it: log ids are opaque and each store makes its own, so they are
 * left out; everything else (span and log content, order, typed arrays) must be equal.
 */
export function comparable(answer: unknown): unknown {
  if (Array.isArray(answer)) return answer.map(comparable);
  if (answer instanceof Map) return new Map([...answer].map(([key, value]) => [key, comparable(value)]));
  if (answer === null || typeof answer !== 'object' || ArrayBuffer.isView(answer)) return answer;
  const isStoredLog = 'id' in answer && 'observedTimeUnixNano' in answer;
  return Object.fromEntries(
    Object.entries(answer)
      .filter(([key]) => !(isStoredLog && key === 'id'))
      .map(([key, value]) => [key, comparable(value)]),
  );
}
