// `npm run dev:elasticsearch [-- --port 9200] [-- --home dir]`: one local Elasticsearch 8 node on loopback for
// development, kept running until Ctrl-C. Data stays in data/elasticsearch (gitignored) unless --home says
// otherwise. Needs Java 17 and, for the first build, Maven with access to Maven Central.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { elasticsearchUnavailableReason, startElasticsearch } from './es-harness.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '9200' }, home: { type: 'string', default: path.join('data', 'elasticsearch') } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${values.port}`);
  const unavailable = elasticsearchUnavailableReason();
  if (unavailable) throw new Error(`cannot start Elasticsearch: ${unavailable}`);

  console.log('building and starting Elasticsearch (the first build downloads its jars from Maven Central)…');
  const node = await startElasticsearch({ port, home: path.resolve(values.home!) });
  console.log(`elasticsearch ready at ${node.url}`);
  console.log('press Ctrl-C to stop');
  const stop = (): void => {
    void node.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
