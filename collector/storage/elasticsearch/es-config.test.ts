import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../config/env-values.js';
import { createClient } from './es-config.js';
import { loadElasticsearchConnection } from './es-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'meshscope-es-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('several node URLs, the default prefix, and no auth', () => {
  const connection = loadElasticsearchConnection({ MESHSCOPE_ES_URL: 'http://es1:9200, https://es2:9200 ,' });
  assert.deepEqual(connection, { nodes: ['http://es1:9200', 'https://es2:9200'], indexPrefix: 'meshscope' });
});

test('an API key, or a username with a password, and a CA file', () => {
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const base = { MESHSCOPE_ES_URL: 'https://es:9200', MESHSCOPE_ES_INDEX_PREFIX: 'prod-eu.1' };
  assert.equal(loadElasticsearchConnection({ ...base, MESHSCOPE_ES_API_KEY: 'a2V5' }).apiKey, 'a2V5');
  const basic = loadElasticsearchConnection({ ...base, MESHSCOPE_ES_USERNAME: 'meshscope', MESHSCOPE_ES_PASSWORD: 'pw', MESHSCOPE_ES_CA_FILE: ca });
  assert.deepEqual(basic, {
    nodes: ['https://es:9200'],
    indexPrefix: 'prod-eu.1',
    username: 'meshscope',
    password: 'pw',
    caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  });
});

test('bad settings fail with one line naming the variable', () => {
  const notPem = join(dir, 'not.pem');
  writeFileSync(notPem, 'hello');
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /^MESHSCOPE_ES_URL is unset/],
    [{ MESHSCOPE_ES_URL: 'es:9200' }, /^MESHSCOPE_ES_URL is 'es:9200'/],
    [{ MESHSCOPE_ES_URL: 'http://es', MESHSCOPE_ES_INDEX_PREFIX: 'Meshscope' }, /^MESHSCOPE_ES_INDEX_PREFIX/],
    [{ MESHSCOPE_ES_URL: 'http://es', MESHSCOPE_ES_INDEX_PREFIX: 'logs-*' }, /^MESHSCOPE_ES_INDEX_PREFIX/],
    [{ MESHSCOPE_ES_URL: 'http://es', MESHSCOPE_ES_API_KEY: 'k', MESHSCOPE_ES_USERNAME: 'u', MESHSCOPE_ES_PASSWORD: 'p' }, /^MESHSCOPE_ES_API_KEY .*not both/],
    [{ MESHSCOPE_ES_URL: 'http://es', MESHSCOPE_ES_USERNAME: 'u' }, /^MESHSCOPE_ES_PASSWORD is unset/],
    [{ MESHSCOPE_ES_URL: 'http://es', MESHSCOPE_ES_CA_FILE: join(dir, 'missing.pem') }, /^MESHSCOPE_ES_CA_FILE .*readable PEM file/],
    [{ MESHSCOPE_ES_URL: 'http://es', MESHSCOPE_ES_CA_FILE: notPem }, /^MESHSCOPE_ES_CA_FILE .*CERTIFICATE/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadElasticsearchConnection(env), (error: unknown) => error instanceof ConfigError && message.test(error.message), JSON.stringify(env));
  }
});

// Two fake nodes that record the Authorization header of each request.
const seen: { node: number; authorization: IncomingHttpHeaders['authorization'] }[] = [];
const servers: Server[] = [];
const urls: string[] = [];

before(async () => {
  for (let node = 0; node < 2; node++) {
    const server = createServer((request, response) => {
      seen.push({ node, authorization: request.headers.authorization });
      response.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      response.end(JSON.stringify({ version: { number: '8.14.3' }, tagline: 'You Know, for Search' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
});

after(() => {
  for (const server of servers) server.close();
});

test('the client sends the API key or basic credentials and spreads requests over every node', async () => {
  seen.length = 0;
  const withKey = createClient({ nodes: urls, indexPrefix: 'm', apiKey: 'a2V5' });
  for (let i = 0; i < 4; i++) await withKey.info();
  await withKey.close();
  assert.deepEqual(new Set(seen.map((request) => request.node)), new Set([0, 1]));
  assert.ok(seen.every((request) => request.authorization === 'ApiKey a2V5'));

  seen.length = 0;
  const withPassword = createClient({ nodes: [urls[0]], indexPrefix: 'm', username: 'meshscope', password: 'pw' });
  await withPassword.info();
  await withPassword.close();
  assert.deepEqual(seen, [{ node: 0, authorization: `Basic ${Buffer.from('meshscope:pw').toString('base64')}` }]);
});
