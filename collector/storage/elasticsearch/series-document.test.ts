import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshscopeError } from '../../errors.js';
import type { LabelMatcher } from '../api.js';
import { labelTerm, literalPrefix, MAX_INDEXED_VALUE_CHARS, seriesIdOf, seriesPrefilter, toSeriesDocument } from './series-document.js';

const DAY_MS = Date.UTC(2026, 10, 26);

function m(name: string, op: LabelMatcher['op'], value: string): LabelMatcher {
  return { name, op, value };
}

test('a series id depends on the label set only: order and empty labels do not change it', () => {
  const id = seriesIdOf({ __name__: 'up', job: 'api', instance: 'a' });
  assert.equal(seriesIdOf({ instance: 'a', job: 'api', __name__: 'up', zone: '' }), id);
  assert.notEqual(seriesIdOf({ __name__: 'up', job: 'api', instance: 'b' }), id);
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
});

test('the series document holds the name apart, escaped terms, and the canonical label set', () => {
  const document = toSeriesDocument('id1', { job: 'api', __name__: 'up', 'a=b': 'c=d', 'x\\y': 'z', empty: '' }, DAY_MS);
  assert.deepEqual(document, {
    seriesId: 'id1',
    dayMs: DAY_MS,
    name: 'up',
    labels: ['a\\=b=c=d', 'job=api', 'x\\\\y=z'],
    labelSet: { __name__: 'up', 'a=b': 'c=d', job: 'api', 'x\\y': 'z' },
  });
});

test('a long value is indexed cut, so its term stays a prefix of the value', () => {
  const long = 'v'.repeat(MAX_INDEXED_VALUE_CHARS + 10);
  assert.equal(labelTerm('path', long), `path=${'v'.repeat(MAX_INDEXED_VALUE_CHARS)}`);
  assert.equal(toSeriesDocument('id', { __name__: long }, DAY_MS).name, 'v'.repeat(MAX_INDEXED_VALUE_CHARS));
});

test('= and != with values become term filters and exclusions', () => {
  assert.deepEqual(seriesPrefilter([m('__name__', '=', 'up'), m('job', '=', 'api'), m('code', '!=', '500')]), {
    filter: [{ term: { name: 'up' } }, { term: { labels: 'job=api' } }],
    mustNot: [{ term: { labels: 'code=500' } }],
  });
});

test('="" excludes series having the label; !="" requires it', () => {
  assert.deepEqual(seriesPrefilter([m('code', '=', ''), m('__name__', '=', '')]), {
    filter: [],
    mustNot: [{ prefix: { labels: 'code=' } }, { exists: { field: 'name' } }],
  });
  assert.deepEqual(seriesPrefilter([m('code', '!=', '')]), { filter: [{ prefix: { labels: 'code=' } }], mustNot: [] });
});

test('a regex that cannot match "" requires the label, narrowed by its literal prefix', () => {
  assert.deepEqual(seriesPrefilter([m('__name__', '=~', 'http_.*'), m('le', '=~', '0\\.5|\\+Inf'), m('code', '=~', '5..')]), {
    filter: [{ prefix: { name: 'http_' } }, { prefix: { labels: 'le=' } }, { prefix: { labels: 'code=5' } }],
    mustNot: [],
  });
});

test('a regex matching "" adds nothing; !~ of one that matches "" requires the label', () => {
  assert.deepEqual(seriesPrefilter([m('code', '=~', '200|'), m('job', '!~', 'api')]), { filter: [], mustNot: [] });
  assert.deepEqual(seriesPrefilter([m('code', '!~', '.*')]), { filter: [{ prefix: { labels: 'code=' } }], mustNot: [] });
});

test('!= of a value at the cut length is not excluded by term: other values share the cut term', () => {
  const atCut = 'x'.repeat(MAX_INDEXED_VALUE_CHARS);
  assert.deepEqual(seriesPrefilter([m('path', '!=', atCut)]), { filter: [], mustNot: [] });
  assert.deepEqual(seriesPrefilter([m('path', '=', `${atCut}y`)]), { filter: [{ term: { labels: `path=${atCut}` } }], mustNot: [] });
});

test('an invalid regex is a bad request before anything is searched', () => {
  assert.throws(
    () => seriesPrefilter([m('__name__', '=~', '(')]),
    (error: unknown) => error instanceof MeshscopeError && error.kind === 'bad_request',
  );
});

test('literal prefixes are what every match starts with', () => {
  const cases: [string, string][] = [
    ['http_.*', 'http_'],
    ['abc', 'abc'],
    ['ab?c', 'a'],
    ['ab*', 'a'],
    ['ab{0,2}', 'a'],
    ['ab+', 'ab'],
    ['a|b', ''],
    ['(?i)abc', ''],
    ['[ab]c', ''],
    ['\\d+', ''],
    ['^abc', ''],
    ['api\\.v1', 'api'],
  ];
  for (const [pattern, prefix] of cases) assert.equal(literalPrefix(pattern), prefix, pattern);
});
