import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryResult } from '../../query-api/promql/format.js';
import { recordedSamples } from './recording-rule.js';
import { queryVector } from './rule-query.js';
import type { RecordingRule } from './model.js';

const rule: RecordingRule = { kind: 'recording', name: 'job:errors:sum', expr: 'x', labels: { team: 'ops', drop: '' } };

test('recorded samples carry the record name and the rule labels, replacing series labels', () => {
  const samples = recordedSamples(rule, [{ labels: { __name__: 'errors', team: 'a', drop: 'x', job: 'api' }, value: 3 }], 5000, 0);
  assert.deepEqual(samples, [{ labels: { __name__: 'job:errors:sum', team: 'ops', job: 'api' }, timestampMs: 5000, value: 3 }]);
});

test('series that collide after relabelling fail the rule; so does exceeding the limit', () => {
  const result = [
    { labels: { team: 'a' }, value: 1 },
    { labels: { team: 'b' }, value: 2 },
  ];
  assert.throws(() => recordedSamples(rule, result, 0, 0), /same labelset after applying rule labels/);
  const distinct = [
    { labels: { job: 'a' }, value: 1 },
    { labels: { job: 'b' }, value: 2 },
  ];
  assert.equal(recordedSamples(rule, distinct, 0, 2).length, 2);
  assert.throws(() => recordedSamples(rule, distinct, 0, 1), /exceeded limit of 1 with 2 series/);
});

test('query results: vectors keep labels and special values, scalars become one unlabelled sample, others fail', async () => {
  const answer = (result: QueryResult) => async () => result;
  const vector = await queryVector(
    answer({
      resultType: 'vector',
      result: [
        { metric: { a: '1' }, value: [1, '+Inf'] },
        { metric: { a: '2' }, value: [1, '-Inf'] },
        { metric: { a: '3' }, value: [1, 'NaN'] },
        { metric: { a: '4' }, value: [1, '0.25'] },
      ],
    }),
    'x',
    1000,
  );
  assert.deepEqual(vector.map((s) => [s.labels['a'], s.value]), [['1', Infinity], ['2', -Infinity], ['3', NaN], ['4', 0.25]]);
  assert.deepEqual(await queryVector(answer({ resultType: 'scalar', result: [1, '7'] }), 'x', 1000), [{ labels: {}, value: 7 }]);
  await assert.rejects(queryVector(answer({ resultType: 'string', result: [1, 'hi'] }), 'x', 1000), /not a vector or scalar/);
  await assert.rejects(queryVector(answer({ resultType: 'matrix', result: [] }), 'x', 1000), /not a vector or scalar/);
});
