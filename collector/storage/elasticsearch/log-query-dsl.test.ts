import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogQuery } from '../api.js';
import { logPrefilter, severityQuery } from './log-query-dsl.js';
import { logTagTerm } from './log-document.js';

const text = (words: string, prefix = false): LogQuery => ({ type: 'text', text: words, prefix });
const field = (name: string, value: string, prefix = false): LogQuery => ({ type: 'field', field: name, value, prefix });
const not = (child: LogQuery): LogQuery => ({ type: 'not', child });

test('null and an empty and match everything, exactly; an empty or matches nothing', () => {
  assert.deepEqual(logPrefilter(null), { query: { match_all: {} }, exact: true });
  assert.deepEqual(logPrefilter({ type: 'and', children: [] }), { query: { match_all: {} }, exact: true });
  assert.deepEqual(logPrefilter({ type: 'or', children: [] }), { query: { match_none: {} }, exact: true });
});

test('a phrase is a match_phrase of its lower-cased words, split as log-match splits them', () => {
  assert.deepEqual(logPrefilter(text('Card-EXPIRED 3.25')), {
    query: { match_phrase: { words: { query: 'card expired 3 25', analyzer: 'whitespace' } } },
    exact: true,
  });
  assert.deepEqual(logPrefilter(text('... --')), { query: { match_all: {} }, exact: true });
});

test('a prefix phrase requires its words and the last as a prefix, and is only exact for one word', () => {
  assert.deepEqual(logPrefilter(text('Checkout comp', true)), {
    query: { bool: { filter: [{ term: { words: 'checkout' } }, { prefix: { words: 'comp' } }] } },
    exact: false,
  });
  assert.deepEqual(logPrefilter(text('chec', true)), { query: { bool: { filter: [{ prefix: { words: 'chec' } }] } }, exact: true });
});

test('a word longer than the indexed word length is not pushed down', () => {
  assert.deepEqual(logPrefilter(text(`a ${'x'.repeat(251)}`)), { query: { match_all: {} }, exact: false });
  assert.equal(logPrefilter(text('x'.repeat(250))).exact, true);
});

test('fields: lower-cased terms and prefixes on keywords; attributes through tag terms', () => {
  assert.deepEqual(logPrefilter(field('service', 'Orders')), { query: { term: { service_lc: 'orders' } }, exact: true });
  assert.deepEqual(logPrefilter(field('trace_id', 'AB12', true)), { query: { prefix: { trace_id: 'ab12' } }, exact: true });
  assert.deepEqual(logPrefilter(field('span_id', 'ff')), { query: { term: { span_id: 'ff' } }, exact: true });
  assert.deepEqual(logPrefilter(field('Order.ID', 'ORD-1')), { query: { term: { tags: 'Order.ID=ord-1' } }, exact: true });
  assert.deepEqual(logPrefilter(field('a=b', 'X', true)), {
    query: { bool: { should: [{ prefix: { tags: 'a\\=b=x' } }, { prefix: { tags: '#' } }], minimum_should_match: 1 } },
    exact: false,
  });
});

test('an over-long attribute value is searched by the same hash it is indexed under', () => {
  const long = 'V'.repeat(5000);
  const term = logTagTerm('k', long);
  assert.match(term, /^#[0-9a-f]{64}$/);
  assert.deepEqual(logPrefilter(field('k', long)), { query: { term: { tags: term } }, exact: true });
});

test('not pushes down an exact child and drops an inexact one', () => {
  assert.deepEqual(logPrefilter(not(field('service', 'a'))), {
    query: { bool: { must_not: [{ term: { service_lc: 'a' } }] } },
    exact: true,
  });
  assert.deepEqual(logPrefilter(not(text('a b', true))), { query: { match_all: {} }, exact: false });
});

test('and and or are exact only when every child is', () => {
  const and = logPrefilter({ type: 'and', children: [field('service', 'a'), not(text('x y', true))] });
  assert.deepEqual(and, { query: { bool: { filter: [{ term: { service_lc: 'a' } }, { match_all: {} }] } }, exact: false });
  const or = logPrefilter({ type: 'or', children: [field('service', 'a'), text('b')] });
  assert.equal(or.exact, true);
  assert.deepEqual(or.query, {
    bool: {
      should: [{ term: { service_lc: 'a' } }, { match_phrase: { words: { query: 'b', analyzer: 'whitespace' } } }],
      minimum_should_match: 1,
    },
  });
});

test('severity: = is the text or the number range; comparisons use the effective level', () => {
  assert.deepEqual(severityQuery('=', 'Error'), {
    bool: { should: [{ term: { severity_text: 'error' } }, { range: { severity: { gte: 17, lte: 20 } } }], minimum_should_match: 1 },
  });
  assert.deepEqual(severityQuery('=', 'notice'), { bool: { should: [{ term: { severity_text: 'notice' } }], minimum_should_match: 1 } });
  assert.deepEqual(severityQuery('>=', 'warn'), { range: { severity_level: { gte: 13 } } });
  assert.deepEqual(severityQuery('>', 'warn'), { range: { severity_level: { gt: 16 } } });
  assert.deepEqual(severityQuery('<=', 'debug'), { range: { severity_level: { lte: 8 } } });
  assert.deepEqual(severityQuery('<', 'info'), { range: { severity_level: { lt: 9 } } });
  assert.deepEqual(severityQuery('<', 'notice'), { match_none: {} });
});
