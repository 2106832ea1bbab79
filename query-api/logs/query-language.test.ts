import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeshscopeError } from '../../collector/errors.js';
import type { LogQuery } from '../../collector/storage/api.js';
import { parseLogQuery } from './query-language.js';

const word = (text: string, prefix = false): LogQuery => ({ type: 'text', text, prefix });

test('blank queries match everything', () => {
  assert.equal(parseLogQuery(''), null);
  assert.equal(parseLogQuery('   '), null);
});

test('words and phrases join with an implicit AND', () => {
  assert.deepEqual(parseLogQuery('payment'), word('payment'));
  assert.deepEqual(parseLogQuery('payment  "timed out" now'), {
    type: 'and',
    children: [word('payment'), word('timed out'), word('now')],
  });
  assert.deepEqual(parseLogQuery('"say \\"hi\\""'), word('say "hi"'));
});

test('a trailing * makes a prefix, for words, phrases and field values', () => {
  assert.deepEqual(parseLogQuery('time*'), word('time', true));
  assert.deepEqual(parseLogQuery('"connection ref"*'), word('connection ref', true));
  assert.deepEqual(parseLogQuery('service:check*'), { type: 'field', field: 'service', value: 'check', prefix: true });
});

test('NOT, -, OR, AND and parentheses, with AND binding tighter than OR', () => {
  assert.deepEqual(parseLogQuery('a OR b c'), { type: 'or', children: [word('a'), { type: 'and', children: [word('b'), word('c')] }] });
  assert.deepEqual(parseLogQuery('(a OR b) AND c'), {
    type: 'and',
    children: [{ type: 'or', children: [word('a'), word('b')] }, word('c')],
  });
  assert.deepEqual(parseLogQuery('a -b NOT c'), {
    type: 'and',
    children: [word('a'), { type: 'not', child: word('b') }, { type: 'not', child: word('c') }],
  });
  assert.deepEqual(parseLogQuery('-(a OR b)'), { type: 'not', child: { type: 'or', children: [word('a'), word('b')] } });
  assert.deepEqual(parseLogQuery('a OR (b OR c)'), { type: 'or', children: [word('a'), word('b'), word('c')] });
  // Lower-case operators are words, and a dash inside a word is part of it.
  assert.deepEqual(parseLogQuery('a or u-42'), { type: 'and', children: [word('a'), word('or'), word('u-42')] });
});

test('fields: service, ids, attribute keys, quoted values', () => {
  assert.deepEqual(parseLogQuery('Service:cart'), { type: 'field', field: 'service', value: 'cart', prefix: false });
  assert.deepEqual(parseLogQuery('trace_id:ABC'), { type: 'field', field: 'trace_id', value: 'ABC', prefix: false });
  assert.deepEqual(parseLogQuery('span_id:01'), { type: 'field', field: 'span_id', value: '01', prefix: false });
  assert.deepEqual(parseLogQuery('http.route:"/a b"'), { type: 'field', field: 'http.route', value: '/a b', prefix: false });
  assert.deepEqual(parseLogQuery('k8s.pod.name:web-1'), { type: 'field', field: 'k8s.pod.name', value: 'web-1', prefix: false });
});

test('severity and its level alias, with comparisons', () => {
  assert.deepEqual(parseLogQuery('severity:ERROR'), { type: 'severity', op: '=', level: 'error' });
  assert.deepEqual(parseLogQuery('level:warn'), { type: 'severity', op: '=', level: 'warn' });
  assert.deepEqual(parseLogQuery('severity>=warn'), { type: 'severity', op: '>=', level: 'warn' });
  assert.deepEqual(parseLogQuery('level<info'), { type: 'severity', op: '<', level: 'info' });
});

test('syntax errors name the position and what was expected', () => {
  const cases: [string, string][] = [
    ['(a OR b', "query:8: expected ')' but found end of query"],
    ['a)', "query:2: expected end of query but found ')'"],
    ['OR a', "query:1: expected a search term but found 'OR'"],
    ['a OR', 'query:5: expected a search term but found end of query'],
    ['NOT', 'query:4: expected a search term but found end of query'],
    ['()', "query:2: expected a search term but found ')'"],
    ['"open', 'query:1: unterminated quoted phrase: expected \'"\' but found end of query'],
    ['service:', "query:9: expected a value after 'service:'"],
    ['ti*me', "query:3: '*' is allowed only at the end of a word"],
    ['*', "query:1: expected a word before '*'"],
    ['http.code>=500', "query:1: expected ':' after 'http.code' (comparisons apply only to severity)"],
    ['level:err*', "query:1: wildcards are not supported in 'level'"],
  ];
  for (const [query, message] of cases) {
    assert.throws(
      () => parseLogQuery(query),
      (error: unknown) => error instanceof MeshscopeError && error.kind === 'bad_request' && error.message === message,
      query,
    );
  }
});
