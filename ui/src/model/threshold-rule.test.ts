import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildThresholdExpr, parseThresholdExpr, type ThresholdSpec } from './threshold-rule.js';

const ERROR_RATE: ThresholdSpec = { metric: 'x', fn: 'rate', window: '5m', aggregation: 'sum', by: ['service'], op: '>', threshold: '0.05' };

test('a spec becomes the PromQL an SRE would write', () => {
  assert.deepEqual(buildThresholdExpr(ERROR_RATE), { ok: true, expr: 'sum by (service) (rate(x[5m])) > 0.05' });
  assert.deepEqual(
    buildThresholdExpr({ ...ERROR_RATE, metric: 'calls_total{status_code="STATUS_CODE_ERROR"}', fn: 'increase', by: ['service', 'span_name'], op: '>=', threshold: '1' }),
    { ok: true, expr: 'sum by (service, span_name) (increase(calls_total{status_code="STATUS_CODE_ERROR"}[5m])) >= 1' },
  );
  assert.deepEqual(buildThresholdExpr({ ...ERROR_RATE, fn: 'none', aggregation: 'none', metric: 'queue_depth', op: '<', threshold: '-3' }), { ok: true, expr: 'queue_depth < -3' });
  assert.deepEqual(buildThresholdExpr({ ...ERROR_RATE, by: [] }), { ok: true, expr: 'sum (rate(x[5m])) > 0.05' });
});

test('a spec with a problem names it', () => {
  assert.match(String((buildThresholdExpr({ ...ERROR_RATE, metric: '' }) as { error: string }).error), /metric/);
  assert.match(String((buildThresholdExpr({ ...ERROR_RATE, metric: 'rate(x[5m])' }) as { error: string }).error), /metric/);
  assert.match(String((buildThresholdExpr({ ...ERROR_RATE, window: 'five' }) as { error: string }).error), /duration/);
  assert.match(String((buildThresholdExpr({ ...ERROR_RATE, by: ['ok', 'not-a-label'] }) as { error: string }).error), /not-a-label/);
  assert.match(String((buildThresholdExpr({ ...ERROR_RATE, threshold: 'lots' }) as { error: string }).error), /number/);
  assert.equal(buildThresholdExpr({ ...ERROR_RATE, fn: 'none', window: '' }).ok, true, 'no window needed without rate');
});

test('built expressions parse back to their spec; other PromQL does not', () => {
  for (const spec of [
    ERROR_RATE,
    { ...ERROR_RATE, metric: 'calls_total{status_code="STATUS_CODE_ERROR"}', fn: 'increase', window: '1h', by: ['service', 'span_name'], op: '!=' },
    { ...ERROR_RATE, fn: 'none', aggregation: 'none', by: [], metric: 'queue_depth', op: '<=', threshold: '100' },
    { ...ERROR_RATE, aggregation: 'max', by: [] },
  ] satisfies ThresholdSpec[]) {
    const built = buildThresholdExpr(spec);
    assert.ok(built.ok);
    const parsed = parseThresholdExpr(built.expr);
    assert.deepEqual(parsed, spec.fn === 'none' ? { ...spec, window: '5m' } : spec, built.expr);
  }
  assert.equal(parseThresholdExpr('histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > 2'), undefined);
  assert.equal(parseThresholdExpr('up == 0 or vector(1)'), undefined);
  assert.equal(parseThresholdExpr('sum by (service) (rate(x[5m]))'), undefined);
});
