// The Kubernetes and Istio manifests, rendered by the real `kubectl kustomize`, checked against what the
// programs actually do: documented ports and defaults, health endpoints, the settings they read, and the
// objects that must point at one another (Services, policies, autoscaler, Istio providers).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  agentConfiguration,
  containerPort,
  containersOf,
  environmentOf,
  find,
  readmeConfiguration,
  readYaml,
  render,
  selects,
  workloads,
  type K8sObject,
} from './render.js';

const NAMESPACE = 'meshscope';
const TREES = ['deploy/k8s/base', 'deploy/k8s/overlays/sqlite-single', 'deploy/k8s/overlays/elasticsearch', 'deploy/k8s/examples/sidecar'];
/** Settings the manifests may set before README documents them: Elasticsearch storage is planned (DESIGN.md). */
const PLANNED_SETTINGS = new Set(['MESHSCOPE_ES_URL']);
const HUB_ROLES = new Set(['all-in-one', 'collector', 'query']);

const rendered = new Map<string, K8sObject[]>();
let readme: Map<string, string>;
let agent: ReturnType<typeof agentConfiguration>;

before(() => {
  for (const tree of TREES) rendered.set(tree, render(tree));
  readme = readmeConfiguration();
  agent = agentConfiguration();
});

const tree = (name: string) => rendered.get(`deploy/k8s/${name}`)!;
const roleOf = (container: any): string => container.args?.[0] ?? '';
const readmePort = (variable: string): number => {
  const value = readme.get(variable);
  assert.ok(value !== undefined && /^\d+$/.test(value), `README documents a default port for ${variable}`);
  return Number(value);
};

test('every tree renders, and the hub trees put everything in the meshscope namespace', () => {
  for (const name of ['base', 'overlays/sqlite-single', 'overlays/elasticsearch']) {
    const objects = tree(name);
    assert.ok(objects.length > 10, name);
    for (const object of objects.filter((candidate) => candidate.kind !== 'Namespace')) {
      assert.equal(object.metadata.namespace, NAMESPACE, `${name}: ${object.kind}/${object.metadata.name}`);
    }
  }
});

test('every container has probes, requests and limits, and runs non-root on a read-only root file system', () => {
  for (const [name, objects] of rendered) {
    for (const workload of workloads(objects)) {
      const pod = workload.spec.template.spec;
      assert.equal(pod.automountServiceAccountToken, false, `${name} ${workload.metadata.name}: no API token`);
      const volumes = new Set(pod.volumes.map((volume: any) => volume.name));
      for (const container of containersOf(workload)) {
        const where = `${name} ${workload.metadata.name}/${container.name}`;
        for (const probe of ['readinessProbe', 'livenessProbe']) {
          assert.ok(container[probe], `${where}: ${probe}`);
          const port = container[probe].httpGet?.port;
          if (port !== undefined) assert.ok(containerPort(container, port), `${where}: ${probe} port ${port} is a port of the container`);
        }
        for (const kind of ['requests', 'limits']) {
          assert.ok(container.resources?.[kind]?.cpu && container.resources?.[kind]?.memory, `${where}: ${kind}`);
        }
        const security = container.securityContext ?? {};
        assert.equal(security.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, true, `${where}: runAsNonRoot`);
        assert.equal(security.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
        assert.equal(security.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
        assert.deepEqual(security.capabilities?.drop, ['ALL'], `${where}: drops all capabilities`);
        for (const mount of container.volumeMounts ?? []) assert.ok(volumes.has(mount.name), `${where}: volume ${mount.name} exists`);
      }
    }
  }
});

test('hub containers listen on the documented ports, probe /ready and /healthz on the right one, and can write their data dir', () => {
  for (const name of ['base', 'overlays/sqlite-single', 'overlays/elasticsearch']) {
    const objects = tree(name);
    const config = find(objects, 'ConfigMap', 'meshscope-config').data;
    for (const [variable, value] of Object.entries<string>(config)) {
      if (variable.endsWith('_PORT')) assert.equal(Number(value), readmePort(variable), `${name}: ${variable}`);
    }
    const hubContainers = workloads(objects).flatMap(containersOf).filter((container) => HUB_ROLES.has(roleOf(container)));
    assert.ok(hubContainers.length > 0, name);
    for (const container of hubContainers) {
      const role = roleOf(container);
      const where = `${name} ${container.name} (${role})`;
      if (role !== 'query') {
        assert.equal(containerPort(container, 'otlp-grpc')?.containerPort, readmePort('MESHSCOPE_OTLP_GRPC_PORT'), where);
        assert.equal(containerPort(container, 'otlp-http')?.containerPort, readmePort('MESHSCOPE_OTLP_HTTP_PORT'), where);
        assert.equal(containerPort(container, 'zipkin')?.containerPort, readmePort('MESHSCOPE_ZIPKIN_PORT'), where);
        assert.equal(containerPort(container, 'jaeger-http')?.containerPort, readmePort('MESHSCOPE_JAEGER_HTTP_PORT'), where);
      }
      // A collector process serves health on the admin port; all-in-one and query on the query port.
      const healthPort = role === 'collector' ? readmePort('MESHSCOPE_ADMIN_PORT') : readmePort('MESHSCOPE_QUERY_PORT');
      for (const [probe, path] of [['readinessProbe', '/ready'], ['livenessProbe', '/healthz']] as const) {
        assert.equal(container[probe].httpGet.path, path, `${where}: ${probe}`);
        assert.equal(containerPort(container, container[probe].httpGet.port).containerPort, healthPort, `${where}: ${probe} port`);
      }
      const dataDir = environmentOf(container, objects).get('MESHSCOPE_DATA_DIR');
      assert.ok(container.volumeMounts.some((mount: any) => mount.mountPath === dataDir && !mount.readOnly), `${where}: ${dataDir} is a writable volume`);
    }
  }
});

test('hub containers set only settings README documents, and take tokens from the Secret', () => {
  for (const [name, objects] of rendered) {
    for (const container of workloads(objects).flatMap(containersOf).filter((candidate) => HUB_ROLES.has(roleOf(candidate)))) {
      const environment = environmentOf(container, objects);
      for (const variable of environment.keys()) {
        assert.ok(readme.has(variable) || PLANNED_SETTINGS.has(variable), `${name} ${container.name}: ${variable} is in README's configuration table`);
      }
      // Listening beyond loopback is refused without both tokens.
      assert.notEqual(environment.get('MESHSCOPE_HOST'), '127.0.0.1');
      for (const token of ['MESHSCOPE_INGEST_TOKEN', 'MESHSCOPE_QUERY_TOKEN']) {
        assert.equal(environment.get(token)?.secretKeyRef?.name, 'meshscope-tokens', `${name} ${container.name}: ${token}`);
      }
    }
  }
});

test('agents read only variables the agent knows, listen on its default ports and forward to the collector Service', () => {
  const collectorService = find(tree('base'), 'Service', 'meshscope-collector');
  const collectorOtlpHttp = collectorService.spec.ports.find((port: any) => port.name === 'otlp-http').port;
  const expectedCollectorUrl = `http://meshscope-collector.${NAMESPACE}.svc.cluster.local:${collectorOtlpHttp}`;
  const agentPorts: Record<string, string> = {
    'otlp-grpc': 'MESHSCOPE_AGENT_OTLP_GRPC_PORT',
    'otlp-http': 'MESHSCOPE_AGENT_OTLP_HTTP_PORT',
    zipkin: 'MESHSCOPE_AGENT_ZIPKIN_PORT',
    'jaeger-http': 'MESHSCOPE_AGENT_JAEGER_HTTP_PORT',
    'jaeger-compact': 'MESHSCOPE_AGENT_JAEGER_COMPACT_PORT',
  };
  let checked = 0;
  for (const [name, objects] of rendered) {
    for (const container of workloads(objects).flatMap(containersOf).filter((candidate) => roleOf(candidate) === 'agent')) {
      checked++;
      const where = `${name} ${container.name}`;
      const environment = environmentOf(container, objects);
      for (const variable of environment.keys()) assert.match(agent.source, new RegExp(`\\b${variable}\\b`), `${where}: the agent reads ${variable}`);
      assert.equal(environment.get('MESHSCOPE_COLLECTOR_URL'), expectedCollectorUrl, where);
      for (const variable of ['K8S_POD_NAME', 'K8S_NAMESPACE_NAME', 'K8S_NODE_NAME', 'K8S_POD_UID']) {
        assert.ok(environment.get(variable)?.fieldRef?.fieldPath, `${where}: ${variable} from the downward API`);
      }
      const bufferDir = environment.get('MESHSCOPE_AGENT_BUFFER_DIR');
      assert.ok(container.volumeMounts.some((mount: any) => mount.mountPath === bufferDir && !mount.readOnly), `${where}: the buffer is a writable volume`);
      if (workloadKind(objects, container) === 'DaemonSet') {
        for (const [portName, variable] of Object.entries(agentPorts)) {
          const port = containerPort(container, portName);
          assert.equal(port?.containerPort, agent.portDefaults.get(variable), `${where}: ${portName}`);
          assert.equal(port?.hostPort, port?.containerPort, `${where}: ${portName} on the node's address`);
        }
        assert.equal(containerPort(container, 'jaeger-compact').protocol, 'UDP');
        assert.equal(containerPort(container, 'admin').containerPort, agent.portDefaults.get('MESHSCOPE_AGENT_PORT'));
        assert.notEqual(environment.get('MESHSCOPE_AGENT_HOST'), '127.0.0.1');
        assert.equal(environment.get('MESHSCOPE_AGENT_INGEST_TOKEN')?.secretKeyRef?.name, 'meshscope-tokens', `${where}: a listener token beyond loopback`);
      }
    }
  }
  assert.equal(checked, 4, 'the DaemonSet agent of the three hub trees and the sidecar example');
});

function workloadKind(objects: K8sObject[], container: any): string {
  return workloads(objects).find((workload) => containersOf(workload).includes(container))!.kind;
}

test('the node-local agent Service keeps traffic on the sender\'s node and exposes the DaemonSet\'s ports', () => {
  const objects = tree('base');
  const service = find(objects, 'Service', 'meshscope-agent');
  const daemonSet = find(objects, 'DaemonSet', 'meshscope-agent');
  assert.equal(service.spec.internalTrafficPolicy, 'Local');
  assert.ok(selects(service.spec.selector, daemonSet.spec.template.metadata.labels));
  const agentContainer = containersOf(daemonSet)[0];
  for (const port of service.spec.ports) {
    const target = containerPort(agentContainer, port.targetPort);
    assert.equal(target?.containerPort, port.port, port.name);
    assert.equal(target.protocol, port.protocol, port.name);
  }
});

test('the collector Service reaches the collector pods on the ports it names, with protocols a mesh can see', () => {
  for (const name of ['base', 'overlays/sqlite-single', 'overlays/elasticsearch']) {
    const objects = tree(name);
    const service = find(objects, 'Service', 'meshscope-collector');
    const pods = workloads(objects).filter((workload) => selects(service.spec.selector, workload.spec.template.metadata.labels));
    assert.equal(pods.length, 1, `${name}: one workload behind the collector Service`);
    const container = containersOf(pods[0]!)[0];
    for (const port of service.spec.ports) {
      assert.equal(containerPort(container, port.targetPort)?.containerPort, port.port, `${name}: ${port.name}`);
      assert.ok(['grpc', 'http'].includes(port.appProtocol), `${name}: ${port.name} appProtocol`);
    }
    assert.equal(service.spec.ports.find((port: any) => port.name === 'otlp-grpc').appProtocol, 'grpc');
    const query = find(objects, 'Service', 'meshscope-query');
    const queryPods = workloads(objects).filter((workload) => selects(query.spec.selector, workload.spec.template.metadata.labels));
    assert.equal(queryPods.length, 1, `${name}: one workload behind the query Service`);
    assert.equal(containerPort(containersOf(queryPods[0]!)[0], query.spec.ports[0].targetPort)?.containerPort, readmePort('MESHSCOPE_QUERY_PORT'), name);
  }
});

test('network policies: default deny, ingest ports only to the collector, the query port only to the query API', () => {
  for (const name of ['base', 'overlays/sqlite-single', 'overlays/elasticsearch']) {
    const objects = tree(name);
    const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
    const denyAll = policies.find((policy) => Object.keys(policy.spec.podSelector).length === 0);
    assert.ok(denyAll && denyAll.spec.policyTypes.includes('Ingress') && !denyAll.spec.ingress, `${name}: a default-deny policy`);
    const collectorPodLabels = find(objects, 'Deployment', 'meshscope-collector').spec.template.metadata.labels;
    const collectorPolicy = find(objects, 'NetworkPolicy', 'meshscope-collector');
    assert.ok(selects(collectorPolicy.spec.podSelector.matchLabels, collectorPodLabels), `${name}: the policy selects the collector`);
    for (const other of workloads(objects).filter((workload) => workload.metadata.name !== 'meshscope-collector')) {
      assert.ok(!selects(collectorPolicy.spec.podSelector.matchLabels, other.spec.template.metadata.labels), `${name}: not ${other.metadata.name}`);
    }
    const ingestPorts = ['MESHSCOPE_OTLP_GRPC_PORT', 'MESHSCOPE_OTLP_HTTP_PORT', 'MESHSCOPE_ZIPKIN_PORT', 'MESHSCOPE_JAEGER_HTTP_PORT'].map(readmePort).sort();
    const fromEverywhere = collectorPolicy.spec.ingress.filter((rule: any) => rule.from.some((peer: any) => peer.namespaceSelector && Object.keys(peer.namespaceSelector).length === 0));
    assert.deepEqual(fromEverywhere.flatMap((rule: any) => rule.ports.map((port: any) => port.port)).sort(), ingestPorts, `${name}: only ingest ports from the mesh`);
    const queryPolicy = find(objects, 'NetworkPolicy', 'meshscope-query');
    const queryService = find(objects, 'Service', 'meshscope-query');
    const queryPod = workloads(objects).find((workload) => selects(queryService.spec.selector, workload.spec.template.metadata.labels))!;
    assert.ok(selects(queryPolicy.spec.podSelector.matchLabels, queryPod.spec.template.metadata.labels), `${name}: the query policy follows the query API`);
    assert.deepEqual(queryPolicy.spec.ingress.flatMap((rule: any) => rule.ports.map((port: any) => port.port)), [readmePort('MESHSCOPE_QUERY_PORT')]);
    assert.ok(queryPolicy.spec.ingress[0].from.some((peer: any) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']), `${name}: from the ingress namespace`);
  }
});

test('base and elasticsearch: the HPA scales the collector Deployment and the PDB covers its pods', () => {
  for (const name of ['base', 'overlays/elasticsearch']) {
    const objects = tree(name);
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'meshscope-collector');
    assert.equal(hpa.spec.scaleTargetRef.kind, 'Deployment');
    const target = find(objects, 'Deployment', hpa.spec.scaleTargetRef.name);
    assert.equal(roleOf(containersOf(target)[0]), 'collector');
    assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas, name);
    assert.ok(target.spec.replicas >= hpa.spec.minReplicas, `${name}: starts at the HPA's floor`);
    const pdb = find(objects, 'PodDisruptionBudget', 'meshscope-collector');
    assert.ok(selects(pdb.spec.selector.matchLabels, target.spec.template.metadata.labels));
    assert.ok(pdb.spec.minAvailable < hpa.spec.minReplicas, `${name}: a drain can always evict one collector`);
    assert.ok(containersOf(target)[0].resources.requests.cpu, 'CPU utilisation needs a CPU request');
  }
});

test('sqlite-single: one all-in-one pod on a claim, nothing that assumes replicas', () => {
  const objects = tree('overlays/sqlite-single');
  const deployments = objects.filter((object) => object.kind === 'Deployment');
  assert.equal(deployments.length, 1);
  const allInOne = deployments[0]!;
  assert.equal(allInOne.spec.replicas, 1);
  assert.equal(allInOne.spec.strategy.type, 'Recreate', 'two pods never open the store at once');
  assert.equal(roleOf(containersOf(allInOne)[0]), 'all-in-one');
  for (const kind of ['HorizontalPodAutoscaler', 'PodDisruptionBudget']) assert.ok(!objects.some((object) => object.kind === kind), `no ${kind}`);
  const data = allInOne.spec.template.spec.volumes.find((volume: any) => volume.name === 'data');
  assert.deepEqual(Object.keys(data).sort(), ['name', 'persistentVolumeClaim']);
  const claim = find(objects, 'PersistentVolumeClaim', data.persistentVolumeClaim.claimName);
  assert.deepEqual(claim.spec.accessModes, ['ReadWriteOnce']);
  assert.equal(find(objects, 'ConfigMap', 'meshscope-config').data.MESHSCOPE_STORAGE, 'sqlite');
  assert.equal(containerPort(containersOf(allInOne)[0], readmePort('MESHSCOPE_ADMIN_PORT')), undefined, 'all-in-one has no admin port');
});

test('elasticsearch: collectors and query nodes are replicated over Elasticsearch, with no claim', () => {
  const objects = tree('overlays/elasticsearch');
  const config = find(objects, 'ConfigMap', 'meshscope-config').data;
  assert.equal(config.MESHSCOPE_STORAGE, 'elasticsearch');
  assert.match(config.MESHSCOPE_ES_URL, /^https?:\/\/[^/]+:\d+$/);
  for (const name of ['meshscope-collector', 'meshscope-query']) {
    const deployment = find(objects, 'Deployment', name);
    assert.ok(deployment.spec.replicas >= 2, name);
    assert.equal(environmentOf(containersOf(deployment)[0], objects).get('MESHSCOPE_STORAGE'), 'elasticsearch', name);
    assert.deepEqual(
      containersOf(deployment)[0].envFrom.map((source: any) => source.secretRef),
      [undefined, { name: 'meshscope-elasticsearch', optional: true }],
      `${name} takes the cluster's credentials from an optional Secret`,
    );
  }
  assert.ok(!objects.some((object) => object.kind === 'PersistentVolumeClaim'));
  const queryPdb = find(objects, 'PodDisruptionBudget', 'meshscope-query');
  assert.ok(selects(queryPdb.spec.selector.matchLabels, find(objects, 'Deployment', 'meshscope-query').spec.template.metadata.labels));
});

test('sidecar example: a native sidecar on loopback that the app sends to, sharing the app\'s log directory', () => {
  const objects = tree('examples/sidecar');
  const deployment = find(objects, 'Deployment', 'checkout');
  const pod = deployment.spec.template.spec;
  const sidecar = pod.initContainers.find((container: any) => roleOf(container) === 'agent');
  assert.equal(sidecar.restartPolicy, 'Always', 'a native sidecar: starts before the app and stops after it');
  const app = pod.containers[0];
  const sidecarEnvironment = environmentOf(sidecar, objects);
  assert.equal(sidecarEnvironment.get('MESHSCOPE_AGENT_HOST'), '127.0.0.1');
  const appEndpoint = new URL(environmentOf(app, objects).get('OTEL_EXPORTER_OTLP_ENDPOINT'));
  assert.equal(appEndpoint.hostname, '127.0.0.1');
  assert.equal(Number(appEndpoint.port), agent.portDefaults.get('MESHSCOPE_AGENT_OTLP_HTTP_PORT'));
  // The agent's admin port is on loopback only, so its probes run inside the pod.
  assert.match(sidecar.readinessProbe.exec.command.join(' '), new RegExp(`127\\.0\\.0\\.1:${agent.portDefaults.get('MESHSCOPE_AGENT_PORT')}/ready`));
  const logDir = sidecarEnvironment.get('MESHSCOPE_LOG_FILES').replace(/\/[^/]*$/, '');
  const mountOf = (container: any) => container.volumeMounts.find((mount: any) => mount.mountPath === logDir)?.name;
  assert.ok(mountOf(sidecar) && mountOf(sidecar) === mountOf(app), 'the app writes where the agent tails');
  const scrape = new URL(sidecarEnvironment.get('MESHSCOPE_SCRAPE_TARGETS'));
  assert.ok(containerPort(app, Number(scrape.port)), 'the scrape target is a port of the app');
});

test('Istio: the Telemetry provider exists in the mesh config and points at the collector Service\'s Zipkin and OTLP ports', () => {
  const telemetry = render('deploy/istio');
  assert.equal(telemetry.length, 1);
  assert.equal(telemetry[0]!.kind, 'Telemetry');
  const collector = find(tree('base'), 'Service', 'meshscope-collector');
  const fqdn = `${collector.metadata.name}.${collector.metadata.namespace}.svc.cluster.local`;
  const portNamed = (name: string) => collector.spec.ports.find((port: any) => port.name === name);
  const operator = readYaml('deploy/istio/istio-operator.yaml')[0].spec.meshConfig;
  const helmValues = readYaml('deploy/istio/istiod-values.yaml')[0].meshConfig;
  assert.deepEqual(helmValues, operator, 'the Helm values and the IstioOperator say the same');
  assert.equal(operator.enableTracing, true);
  const providers = new Map<string, any>(operator.extensionProviders.map((provider: any) => [provider.name, provider]));
  for (const tracing of telemetry[0]!.spec.tracing) {
    for (const provider of tracing.providers) assert.ok(providers.has(provider.name), `Telemetry provider ${provider.name} is defined`);
    assert.ok(tracing.randomSamplingPercentage > 0 && tracing.randomSamplingPercentage <= 100);
  }
  const zipkin = [...providers.values()].find((provider) => provider.zipkin).zipkin;
  assert.equal(zipkin.service, fqdn);
  assert.equal(zipkin.port, portNamed('zipkin').port);
  assert.equal(zipkin.port, readmePort('MESHSCOPE_ZIPKIN_PORT'));
  const otlp = [...providers.values()].find((provider) => provider.opentelemetry).opentelemetry;
  assert.equal(otlp.service, fqdn);
  assert.equal(otlp.port, portNamed('otlp-grpc').port);
  assert.equal(portNamed('otlp-grpc').appProtocol, 'grpc', 'Envoy exports OTLP over gRPC');
});
