// The stores the contract suite runs against. A backend is one entry in BACKENDS: contract.test.ts runs
// every case against every available entry and checks that all entries give the same answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '../../collector/storage/api.js';
import { MemoryStorage } from '../../collector/storage/memory-store.js';
import { SqliteStorage } from '../../collector/storage/sqlite/sqlite-storage.js';
import { Client } from '@elastic/elasticsearch';
import { openElasticsearchStorage } from '../../collector/storage/elasticsearch/es-storage.js';
import {
  elasticsearchRequired,
  elasticsearchUnavailableReason,
  startElasticsearch,
  type RunningElasticsearch,
} from '../elasticsearch/es-harness.js';

/**
 * What a group of cases needs of a store. The design rule: a backend opts out of a case only by declaring
 * a capability it lacks (Jaeger's integration suite does the same), never by skipping single cases.
 */
export type Capability = 'traces' | 'dependencies' | 'logs' | 'metrics' | 'retention' | 'alerting';
// 'retention' cases write and check every signal, so a backend lacking any signal lacks retention too.

export interface OpenedStorage {
  /** Started, empty, and private to the caller. */
  storage: Storage;
  /** Shuts the store down and removes everything open() created. Idempotent. */
  close(): Promise<void>;
}

export interface ContractBackend {
  name: string;
  /** A new, empty, started store; each call is independent of the others (retention cases open several). */
  open(): Promise<OpenedStorage>;
  /**
   * Why the backend cannot run here (e.g. no Java for Elasticsearch), or undefined when it can. Return
   * undefined where the backend is required (CI), so a missing dependency fails rather than hides cases.
   */
  available(): string | undefined;
  /** Capabilities the backend does not have yet; their cases are not run against it. */
  lacks?: readonly Capability[];
  /** Releases what open() calls share (an Elasticsearch node) once the suite is done with the backend. */
  release?(): Promise<void>;
}

/**
 * The in-memory test double. It stays in the suite because other components' unit tests use it as their
 * store: they are only meaningful while it answers exactly like the real backends.
 */
const memory: ContractBackend = {
  name: 'memory',
  available: () => undefined,
  open: async () => {
    const storage = new MemoryStorage();
    await storage.start();
    return { storage, close: () => storage.shutdown() };
  },
};

const sqlite: ContractBackend = {
  name: 'sqlite',
  available: () => undefined,
  open: async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'meshscope-contract-'));
    const storage = new SqliteStorage({ dataDir });
    await storage.start();
    return {
      storage,
      close: async () => {
        await storage.shutdown();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * Every backend, in the order they are compared: the first available one is the reference the others'
 * answers must equal.
 */
let elasticsearchNode: Promise<RunningElasticsearch> | undefined;
let elasticsearchStores = 0;

/** One node per process, started by the first open(); each store gets its own index prefix. */
const elasticsearch: ContractBackend = {
  name: 'elasticsearch',
  available: () => (elasticsearchRequired() ? undefined : elasticsearchUnavailableReason()),
  open: async () => {
    elasticsearchNode ??= startElasticsearch();
    const node = await elasticsearchNode;
    const indexPrefix = `contract${++elasticsearchStores}`;
    const storage = openElasticsearchStorage({ connection: { nodes: [node.url], indexPrefix }, indexSettings: { replicas: 0 } });
    await storage.start();
    let closing: Promise<void> | undefined;
    const close = async (): Promise<void> => {
      await storage.shutdown();
      const admin = new Client({ node: node.url });
      // Elasticsearch 8 refuses wildcard deletes (action.destructive_requires_name): delete by name.
      const indices = Object.keys(await admin.indices.get({ index: `${indexPrefix}-*` }));
      if (indices.length > 0) await admin.indices.delete({ index: indices });
      const signals = ['spans', 'edges', 'logs', 'series', 'samples', 'metadata', 'alerting'];
      await admin.indices.deleteIndexTemplate({ name: signals.map((signal) => `${indexPrefix}-${signal}`) });
      await admin.close();
    };
    return { storage, close: () => (closing ??= close()) };
  },
  release: async () => {
    await (await elasticsearchNode)?.stop();
  },
};

export const BACKENDS: readonly ContractBackend[] = [memory, sqlite, elasticsearch];
