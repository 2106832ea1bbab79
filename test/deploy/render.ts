// Renders the kustomize trees under deploy/ with the real `kubectl kustomize` and reads the documented
// defaults the manifests must agree with: README's configuration table and the agent's port defaults.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: any };

/** `kubectl kustomize`, or the standalone `kustomize build` where kubectl is absent (.ci/run installs it). */
export function render(dir: string): K8sObject[] {
  const target = path.join(REPO_ROOT, dir);
  let result = spawnSync('kubectl', ['kustomize', target], { encoding: 'utf8' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    result = spawnSync('kustomize', ['build', target], { encoding: 'utf8' });
  }
  if (result.error) throw new Error(`neither kubectl nor kustomize can render ${dir}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`kustomize ${dir} failed:\n${result.stderr}`);
  return parseYamlDocuments(result.stdout);
}

export function readYaml(file: string): any[] {
  return parseYamlDocuments(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
}

function parseYamlDocuments(text: string): any[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) throw new Error(document.errors.map((error) => error.message).join('\n'));
    return document.toJS();
  });
}

/** `MESHSCOPE_*` variable → default, from the Configuration table of README.md. */
export function readmeConfiguration(): Map<string, string> {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const table = new Map<string, string>();
  for (const match of readme.matchAll(/^\| `(MESHSCOPE_[A-Z0-9_]+)` \| ([^|]*) \|/gm)) {
    table.set(match[1]!, match[2]!.trim().replace(/^`|`$/g, ''));
  }
  return table;
}

/** The agent's own source: which variables it reads and the default port of each port variable. */
export function agentConfiguration(): { source: string; portDefaults: Map<string, number> } {
  const source = readFileSync(path.join(REPO_ROOT, 'agents/agent/config.ts'), 'utf8');
  const portDefaults = new Map<string, number>();
  for (const match of source.matchAll(/port\(env, '(MESHSCOPE_[A-Z_]+)', (\d+)\)/g)) portDefaults.set(match[1]!, Number(match[2]));
  return { source, portDefaults };
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} among ${objects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ')}`);
  return found;
}

export function workloads(objects: K8sObject[]): K8sObject[] {
  return objects.filter((object) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(object.kind));
}

/** Every container of a workload's pod, sidecars (init containers) included. */
export function containersOf(workload: K8sObject): any[] {
  const spec = workload.spec.template.spec;
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** The environment a container sees: its ConfigMap envFrom entries, then its own env (which wins). */
export function environmentOf(container: any, objects: K8sObject[]): Map<string, any> {
  const environment = new Map<string, any>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) for (const [name, value] of Object.entries(find(objects, 'ConfigMap', source.configMapRef.name).data)) environment.set(name, value);
  }
  for (const variable of container.env ?? []) environment.set(variable.name, variable.value ?? variable.valueFrom);
  return environment;
}

export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

export function containerPort(container: any, port: string | number): any {
  return (container.ports ?? []).find((candidate: any) => candidate.name === port || candidate.containerPort === port);
}
