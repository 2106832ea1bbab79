import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_AGENT_THRESHOLDS,
  agentCounts,
  agentThresholdsFromParams,
  buildAgentRows,
  classifyAgent,
  counterIncrease,
  formatBytes,
  formatCount,
  formatLag,
  type AgentSnapshot,
  type MetricSample,
} from './agents.js';

const HUB_A = 'http://hub-a:4318';
const HUB_B = 'http://hub-b:4318';
const AT_MS = 1_800_000_000_000;
/** A 10-minute window ending at AT_MS. */
const START_MS = AT_MS - 600_000;

function sample(name: string, instance: string, value: number, labels: Record<string, string> = {}): MetricSample {
  return { metric: { __name__: name, job: 'meshscope-agent', instance, otel_scope_name: 'meshscope.agent', ...labels }, value };
}

function snapshot(parts: Partial<AgentSnapshot>): AgentSnapshot {
  return { atMs: AT_MS, windowStartMs: START_MS, current: [], atStart: [], lastReports: [], targets: [], ...parts };
}

const lastReport = (instance: string, agoSeconds: number): MetricSample => ({ metric: { instance }, value: AT_MS / 1_000 - agoSeconds });

test('health: stale without a recent report, then dropping, then lagging, else healthy', () => {
  const fresh = { reportAgeSeconds: 3, lagSeconds: 0, droppedInWindow: 0 };
  assert.equal(classifyAgent(fresh, DEFAULT_AGENT_THRESHOLDS), 'healthy');
  assert.equal(classifyAgent({ ...fresh, lagSeconds: 30 }, DEFAULT_AGENT_THRESHOLDS), 'healthy', 'at the threshold is not over it');
  assert.equal(classifyAgent({ ...fresh, lagSeconds: 31 }, DEFAULT_AGENT_THRESHOLDS), 'lagging');
  assert.equal(classifyAgent({ ...fresh, lagSeconds: 31, droppedInWindow: 1 }, DEFAULT_AGENT_THRESHOLDS), 'dropping');
  assert.equal(classifyAgent({ ...fresh, reportAgeSeconds: 45 }, DEFAULT_AGENT_THRESHOLDS), 'healthy', 'three 15 s reports may be missed');
  assert.equal(classifyAgent({ ...fresh, reportAgeSeconds: 46, droppedInWindow: 5, lagSeconds: 99 }, DEFAULT_AGENT_THRESHOLDS), 'stale');
  assert.equal(classifyAgent({ reportAgeSeconds: undefined, lagSeconds: undefined, droppedInWindow: 0 }, DEFAULT_AGENT_THRESHOLDS), 'stale');
  assert.equal(classifyAgent({ ...fresh, lagSeconds: undefined }, DEFAULT_AGENT_THRESHOLDS), 'healthy');
});

test('thresholds come from ?staleAfter= and ?maxLag=, bad values keep the defaults', () => {
  assert.deepEqual(agentThresholdsFromParams(new URLSearchParams('staleAfter=5s&maxLag=2m')), { staleAfterSeconds: 5, maxLagSeconds: 120 });
  assert.deepEqual(agentThresholdsFromParams(new URLSearchParams('staleAfter=soon&maxLag=0s')), DEFAULT_AGENT_THRESHOLDS);
  assert.deepEqual(agentThresholdsFromParams(new URLSearchParams()), { staleAfterSeconds: 45, maxLagSeconds: 30 });
});

test('counter increase: difference of the ends, all of the end when the series is new or was reset', () => {
  assert.equal(counterIncrease(10, 25), 15);
  assert.equal(counterIncrease(undefined, 7), 7);
  assert.equal(counterIncrease(40, 6), 6);
  assert.equal(counterIncrease(5, 5), 0);
});

test('rows: one per agent, collectors added up, counters grown over the window, resource from target_info', () => {
  const rows = buildAgentRows(
    snapshot({
      current: [
        sample('meshscope_agent_queue_items', 'web-7f9c', 10, { collector: HUB_A }),
        sample('meshscope_agent_queue_items', 'web-7f9c', 5, { collector: HUB_B }),
        sample('meshscope_agent_queue_bytes', 'web-7f9c', 2_048, { collector: HUB_A }),
        sample('meshscope_agent_queue_bytes', 'web-7f9c', 1_024, { collector: HUB_B }),
        sample('meshscope_agent_lag_seconds', 'web-7f9c', 2, { collector: HUB_A }),
        sample('meshscope_agent_lag_seconds', 'web-7f9c', 12, { collector: HUB_B }),
        sample('meshscope_agent_sent_items_total', 'web-7f9c', 1_300, { collector: HUB_A, signal: 'spans' }),
        sample('meshscope_agent_sent_items_total', 'web-7f9c', 500, { collector: HUB_B, signal: 'spans' }),
        sample('meshscope_agent_sent_items_total', 'web-7f9c', 60, { collector: HUB_A, signal: 'metrics' }),
        sample('meshscope_agent_retries_total', 'web-7f9c', 9, { collector: HUB_B }),
      ],
      atStart: [
        sample('meshscope_agent_sent_items_total', 'web-7f9c', 1_000, { collector: HUB_A, signal: 'spans' }),
        // hub-b's counter was higher before: the agent restarted within the window.
        sample('meshscope_agent_sent_items_total', 'web-7f9c', 800, { collector: HUB_B, signal: 'spans' }),
        sample('meshscope_agent_retries_total', 'web-7f9c', 4, { collector: HUB_B }),
      ],
      lastReports: [lastReport('web-7f9c', 2)],
      targets: [{ metric: { job: 'meshscope-agent', instance: 'web-7f9c', k8s_pod_name: 'web-7f9c', k8s_namespace_name: 'shop', k8s_node_name: 'node-1', host_name: 'node-1' }, value: 1 }],
    }),
    DEFAULT_AGENT_THRESHOLDS,
  );
  assert.equal(rows.length, 1);
  const row = rows[0]!;
  assert.equal(row.instance, 'web-7f9c');
  assert.deepEqual([row.pod, row.namespace, row.node, row.host], ['web-7f9c', 'shop', 'node-1', 'node-1']);
  assert.deepEqual(row.collectors, [HUB_A, HUB_B]);
  assert.equal(row.queuedItems, 15);
  assert.equal(row.queuedBytes, 3_072);
  assert.equal(row.lagSeconds, 12, 'the furthest-behind collector');
  assert.equal(row.reportAgeSeconds, 2);
  assert.equal(row.lastReportMs, AT_MS - 2_000);
  assert.deepEqual(row.sent, [
    { signal: 'spans', items: 800, perSecond: 800 / 600 },
    { signal: 'metrics', items: 60, perSecond: 0.1 },
  ]);
  assert.equal(row.retriesInWindow, 5);
  assert.deepEqual(row.drops, []);
  assert.equal(row.health, 'healthy');
});

test('rows: drops by reason make an agent dropping; a silent one is stale; worst first', () => {
  const rows = buildAgentRows(
    snapshot({
      current: [
        sample('meshscope_agent_lag_seconds', 'a-healthy', 0, { collector: HUB_A }),
        sample('meshscope_agent_lag_seconds', 'b-lagging', 95, { collector: HUB_A }),
        sample('meshscope_agent_lag_seconds', 'c-dropping', 0, { collector: HUB_A }),
        sample('meshscope_agent_dropped_items_total', 'c-dropping', 30, { collector: HUB_A, reason: 'queue_full' }),
        sample('meshscope_agent_dropped_items_total', 'c-dropping', 4, { collector: HUB_A, reason: 'http_400' }),
        // Dropped before the window only: not dropping now.
        sample('meshscope_agent_dropped_items_total', 'a-healthy', 3, { collector: HUB_A, reason: 'rejected' }),
      ],
      atStart: [
        sample('meshscope_agent_dropped_items_total', 'c-dropping', 10, { collector: HUB_A, reason: 'queue_full' }),
        sample('meshscope_agent_dropped_items_total', 'a-healthy', 3, { collector: HUB_A, reason: 'rejected' }),
      ],
      // d-gone reported last 10 minutes ago: no current sample any more, only its report time.
      lastReports: [lastReport('a-healthy', 1), lastReport('b-lagging', 1), lastReport('c-dropping', 1), lastReport('d-gone', 600)],
    }),
    DEFAULT_AGENT_THRESHOLDS,
  );
  assert.deepEqual(rows.map((row) => [row.instance, row.health]), [
    ['d-gone', 'stale'],
    ['c-dropping', 'dropping'],
    ['b-lagging', 'lagging'],
    ['a-healthy', 'healthy'],
  ]);
  assert.deepEqual(rows[1]!.drops, [{ reason: 'queue_full', items: 20 }, { reason: 'http_400', items: 4 }]);
  assert.equal(rows[1]!.droppedInWindow, 24);
  assert.equal(rows[3]!.droppedInWindow, 0);
  const gone = rows[0]!;
  assert.equal(gone.reportAgeSeconds, 600);
  assert.equal(gone.queuedItems, undefined);
  assert.equal(gone.lagSeconds, undefined);
  assert.deepEqual(agentCounts(rows), { stale: 1, dropping: 1, lagging: 1, healthy: 1 });
});

test('a short stale threshold from the URL turns an agent stale after a few silent seconds', () => {
  const silent = snapshot({ lastReports: [lastReport('web', 6)], current: [sample('meshscope_agent_lag_seconds', 'web', 0, { collector: HUB_A })] });
  assert.equal(buildAgentRows(silent, DEFAULT_AGENT_THRESHOLDS)[0]!.health, 'healthy');
  assert.equal(buildAgentRows(silent, agentThresholdsFromParams(new URLSearchParams('staleAfter=5s')))[0]!.health, 'stale');
});

test('formatting of bytes and item counts', () => {
  assert.deepEqual([0, 512, 12_800, 3_355_443, 1_181_116_006].map(formatBytes), ['0 B', '512 B', '12.5 KiB', '3.2 MiB', '1.1 GiB']);
  assert.deepEqual([0, 950, 12_345, 250_000, 4_500_000].map(formatCount), ['0', '950', '12.3k', '250k', '4.5M']);
  assert.deepEqual([0, 0.25, 42, 185].map(formatLag), ['0s', '250ms', '42s', '3m 5s']);
});
