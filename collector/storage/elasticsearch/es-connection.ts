// Connection settings of the Elasticsearch store, read from the environment and validated once. A bad value
// fails with one ConfigError line naming the variable, like the hub's own config (config/env-values.ts).
// Kept apart from the client (es-config.ts) so loading the configuration does not load the client.
import { readFileSync } from 'node:fs';
import { fail, urlList, type Env } from '../../config/env-values.js';

export interface ElasticsearchConnection {
  /** One or more node URLs; the client spreads requests over them and skips dead ones. */
  nodes: string[];
  /** An encoded API key (the `encoded` value Elasticsearch returns); excludes username/password. */
  apiKey?: string;
  username?: string;
  password?: string;
  /** PEM text of the CA that signed the nodes' certificates (from MESHSCOPE_ES_CA_FILE). */
  caPem?: string;
  /** Prefix of every index and template name. */
  indexPrefix: string;
}

export const DEFAULT_INDEX_PREFIX = 'meshscope';

/**
 * Elasticsearch index names are lower case, at most 255 bytes, and may not start with -, _ or +; we also
 * keep out the characters with a meaning in index patterns, so `<prefix>-spans-*` matches only ours.
 */
const INDEX_PREFIX = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export function loadElasticsearchConnection(env: Env = process.env): ElasticsearchConnection {
  const nodes = urlList(env, 'MESHSCOPE_ES_URL');
  if (nodes.length === 0) fail('MESHSCOPE_ES_URL', '', 'one or more comma-separated http:// or https:// URLs');
  const connection: ElasticsearchConnection = {
    nodes,
    indexPrefix: env.MESHSCOPE_ES_INDEX_PREFIX || DEFAULT_INDEX_PREFIX,
  };
  if (!INDEX_PREFIX.test(connection.indexPrefix)) {
    fail('MESHSCOPE_ES_INDEX_PREFIX', connection.indexPrefix, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  const apiKey = env.MESHSCOPE_ES_API_KEY || undefined;
  const username = env.MESHSCOPE_ES_USERNAME || undefined;
  const password = env.MESHSCOPE_ES_PASSWORD || undefined;
  if (apiKey !== undefined && (username !== undefined || password !== undefined)) {
    fail('MESHSCOPE_ES_API_KEY', '(set)', 'either an API key or MESHSCOPE_ES_USERNAME/MESHSCOPE_ES_PASSWORD, not both');
  }
  if ((username === undefined) !== (password === undefined)) {
    fail(username === undefined ? 'MESHSCOPE_ES_USERNAME' : 'MESHSCOPE_ES_PASSWORD', '', 'set together with the other of MESHSCOPE_ES_USERNAME/MESHSCOPE_ES_PASSWORD');
  }
  if (apiKey !== undefined) connection.apiKey = apiKey;
  if (username !== undefined && password !== undefined) Object.assign(connection, { username, password });
  const caFile = env.MESHSCOPE_ES_CA_FILE || undefined;
  if (caFile !== undefined) connection.caPem = readCaFile(caFile);
  return connection;
}

function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    fail('MESHSCOPE_ES_CA_FILE', file, `a readable PEM file (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) fail('MESHSCOPE_ES_CA_FILE', file, 'a PEM file holding a CERTIFICATE');
  return pem;
}
