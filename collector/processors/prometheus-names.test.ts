import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attribute } from '../model/model.js';
import { attributesToLabels, prometheusLabelName, prometheusMetricName, prometheusUnit, type NameSuffixKind } from './prometheus-names.js';

test('metric names: sanitised, unit words appended, _total on counters, _ratio on unit-1 gauges', () => {
  const cases: [string, string, NameSuffixKind, string][] = [
    ['http.server.duration', 's', 'none', 'http_server_duration_seconds'],
    // Unit "1" on a counter names no unit: no _ratio (the Collector applies it to gauges only).
    ['http.server.requests', '1', 'monotonic_sum', 'http_server_requests_total'],
    ['system.cpu.utilization', '1', 'gauge', 'system_cpu_utilization_ratio'],
    ['cache.hit_ratio', '1', 'gauge', 'cache_hit_ratio'],
    ['http.requests', '{request}', 'monotonic_sum', 'http_requests_total'],
    ['network.io', 'By/s', 'gauge', 'network_io_bytes_per_second'],
    ['packets', '{packet}/s', 'gauge', 'packets_per_second'],
    ['requests_total', 'By', 'monotonic_sum', 'requests_bytes_total'],
    ['requests_total', '', 'monotonic_sum', 'requests_total'],
    ['process.runtime.heap', 'By', 'none', 'process_runtime_heap_bytes'],
    ['request_duration_seconds', 's', 'none', 'request_duration_seconds'],
    ['cpu.temperature', 'Cel', 'gauge', 'cpu_temperature_celsius'],
    ['queue.depth', '', 'none', 'queue_depth'],
    ['2xx.responses', '', 'monotonic_sum', '_2xx_responses_total'],
    ['a..b--c::d', '', 'none', 'a_b_c_d'],
    ['db.client.connections.usage', '{connection}', 'none', 'db_client_connections_usage'],
    ['disk.latency', 'ms', 'none', 'disk_latency_milliseconds'],
    ['custom', 'widgets', 'none', 'custom_widgets'],
  ];
  for (const [name, unit, kind, expected] of cases) {
    assert.equal(prometheusMetricName(name, unit, kind), expected, `${name} [${unit}] ${kind}`);
  }
});

test('units as Prometheus UNIT metadata', () => {
  assert.equal(prometheusUnit('s', 'none'), 'seconds');
  assert.equal(prometheusUnit('By/s', 'gauge'), 'bytes_per_second');
  assert.equal(prometheusUnit('1', 'gauge'), 'ratio');
  assert.equal(prometheusUnit('1', 'monotonic_sum'), '');
  assert.equal(prometheusUnit('{request}', 'monotonic_sum'), '');
});

test('label names: invalid runs become one underscore, leading digit or underscore get a key prefix', () => {
  assert.equal(prometheusLabelName('http.route'), 'http_route');
  assert.equal(prometheusLabelName('http.response.status_code'), 'http_response_status_code');
  assert.equal(prometheusLabelName('a..b'), 'a_b');
  assert.equal(prometheusLabelName('a__b'), 'a_b');
  assert.equal(prometheusLabelName('0day'), 'key_0day');
  assert.equal(prometheusLabelName('_private'), 'key_private');
  // An attribute can never claim Prometheus' reserved names.
  assert.equal(prometheusLabelName('__name__'), 'key_name_');
  assert.equal(prometheusLabelName('k8s.pod.name'), 'k8s_pod_name');
});

test('attributes to labels: values stringified, colliding keys joined with ; in original key order', () => {
  const attributes: Attribute[] = [
    { key: 'a_b', value: { type: 'string', value: 'second' } },
    { key: 'a.b', value: { type: 'string', value: 'first' } },
    { key: 'count', value: { type: 'int', value: 5 } },
    { key: 'ok', value: { type: 'bool', value: true } },
    { key: 'tags', value: { type: 'array', value: [{ type: 'string', value: 'x' }, { type: 'int', value: 2 }] } },
    { key: '', value: { type: 'string', value: 'nameless' } },
  ];
  assert.deepEqual(attributesToLabels(attributes), { a_b: 'first;second', count: '5', ok: 'true', tags: '["x",2]' });
});
