// The container build file, read as text: the image must match what the manifests and README assume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { agentConfiguration, containersOf, readmeConfiguration, REPO_ROOT, render, workloads } from './render.js';

const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const instructions = (name: string) => [...dockerfile.matchAll(new RegExp(`^${name}\\s+(.+)$`, 'gm'))].map((match) => match[1]!.trim());

test('two stages on node:20-bookworm-slim; the runtime holds production dependencies and the build output', () => {
  const stages = instructions('FROM');
  assert.equal(stages.length, 2);
  for (const stage of stages) assert.match(stage, /^node:20-bookworm-slim\b/);
  assert.match(dockerfile, /RUN npm ci\b/);
  assert.match(dockerfile, /npm prune --omit=dev/);
  assert.ok(instructions('COPY').some((copy) => /--from=build \S*node_modules/.test(copy)));
  assert.ok(instructions('COPY').some((copy) => /--from=build \S*dist/.test(copy)));
});

test('runs as the non-root user the manifests expect, with the meshscope command as entry point', () => {
  const users = instructions('USER');
  const runtimeUser = users.at(-1)!;
  assert.match(runtimeUser, /^1000(:1000)?$/);
  for (const workload of workloads(render('deploy/k8s/base'))) {
    assert.equal(String(workload.spec.template.spec.securityContext.runAsUser), runtimeUser.split(':')[0], workload.metadata.name);
  }
  assert.deepEqual(JSON.parse(instructions('ENTRYPOINT').at(-1)!), ['meshscope']);
  assert.deepEqual(JSON.parse(instructions('CMD').at(-1)!), ['all-in-one']);
  assert.match(dockerfile, /ln -s \/app\/dist\/collector\/main\.js \/usr\/local\/bin\/meshscope/);
});

test('EXPOSE lists every documented hub port and the agent\'s ports', () => {
  const exposed = new Set(instructions('EXPOSE').flatMap((line) => line.split(/\s+/)));
  for (const [variable, value] of readmeConfiguration()) {
    if (variable.endsWith('_PORT')) assert.ok(exposed.has(value), `${variable} ${value}`);
  }
  for (const [variable, port] of agentConfiguration().portDefaults) {
    const protocolSuffix = variable.includes('COMPACT') ? '/udp' : '';
    assert.ok(exposed.has(`${port}${protocolSuffix}`), `${variable} ${port}${protocolSuffix}`);
  }
  // The manifests' containers only use ports the image declares.
  for (const container of workloads(render('deploy/k8s/base')).flatMap(containersOf)) {
    for (const port of container.ports) {
      assert.ok(exposed.has(port.protocol === 'UDP' ? `${port.containerPort}/udp` : String(port.containerPort)), `${container.name} ${port.name}`);
    }
  }
});

test('the build context leaves out what the build must not see', () => {
  const ignored = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
  for (const entry of ['.git', 'node_modules', 'dist', 'data']) assert.ok(ignored.includes(entry), entry);
});
