// The Elasticsearch client for a connection read by es-connection.ts.
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import type { ElasticsearchConnection } from './es-connection.js';

/** The official client for the connection: auth, TLS trust, and sniff-free round robin over the nodes. */
export function createClient(connection: ElasticsearchConnection): Client {
  const options: ClientOptions = {
    nodes: connection.nodes,
    // Our bulk writer retries 429/503 per document with back-off; the transport retries only dead
    // connections (another node may answer), never an overloaded one.
    maxRetries: 2,
    requestTimeout: 30_000,
    compression: false,
  };
  if (connection.apiKey !== undefined) options.auth = { apiKey: connection.apiKey };
  if (connection.username !== undefined && connection.password !== undefined) {
    options.auth = { username: connection.username, password: connection.password };
  }
  if (connection.caPem !== undefined) options.tls = { ca: connection.caPem };
  return new Client(options);
}
