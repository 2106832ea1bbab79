import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationMs, parsePromql, unquote } from './parser.js';
import { PromqlError } from './errors.js';
import type { Binary, Call, Expr, MatrixSelector, Subquery, VectorSelector } from './ast.js';

function assertParseError(query: string, message: string): void {
  assert.throws(
    () => parsePromql(query),
    (e: unknown) => {
      assert.ok(e instanceof PromqlError);
      assert.equal(e.errorType, 'bad_data');
      assert.equal(e.httpStatus, 400);
      assert.equal(e.message, message);
      return true;
    },
  );
}

test('vector selector with every matcher type', () => {
  const expr = parsePromql('http_requests_total{job="api", code!="200", path=~"/v1/.*", method!~"GET|HEAD"}');
  assert.deepEqual(expr, {
    type: 'vectorSelector',
    name: 'http_requests_total',
    matchers: [
      { name: '__name__', op: '=', value: 'http_requests_total' },
      { name: 'job', op: '=', value: 'api' },
      { name: 'code', op: '!=', value: '200' },
      { name: 'path', op: '=~', value: '/v1/.*' },
      { name: 'method', op: '!~', value: 'GET|HEAD' },
    ],
    offsetMs: 0,
  });
});

test('literals: numbers, durations as seconds, hex, Inf, strings with escapes', () => {
  assert.deepEqual(parsePromql('1.5e3'), { type: 'number', value: 1500 });
  assert.deepEqual(parsePromql('-0x10'), { type: 'number', value: -16 });
  assert.deepEqual(parsePromql('+Inf'), { type: 'number', value: Infinity });
  assert.deepEqual(parsePromql('5m'), { type: 'number', value: 300 });
  assert.deepEqual(parsePromql(`"a\\tb\\u00e9"`), { type: 'string', value: 'a\tbé' });
  assert.deepEqual(parsePromql("'it\\'s'"), { type: 'string', value: "it's" });
  assert.deepEqual(parsePromql('`raw\\n`'), { type: 'string', value: 'raw\\n' });
  const nan = parsePromql('NaN');
  assert.ok(nan.type === 'number' && Number.isNaN(nan.value));
});

test('matrix selector, offset and @ modifiers', () => {
  const expr = parsePromql('rate(foo[1h30m] offset -5m @ 1000)') as Call;
  const matrix = expr.args[0] as MatrixSelector;
  assert.equal(matrix.rangeMs, 5_400_000);
  assert.equal(matrix.selector.offsetMs, -300_000);
  assert.deepEqual(matrix.selector.at, { kind: 'time', timeMs: 1_000_000 });
  const end = parsePromql('foo @ end()') as VectorSelector;
  assert.deepEqual(end.at, { kind: 'end' });
});

test('offset binds to the rightmost selector, not to the whole operation', () => {
  const expr = parsePromql('a - b offset 1m') as Binary;
  assert.equal((expr.lhs as VectorSelector).offsetMs, 0);
  assert.equal((expr.rhs as VectorSelector).offsetMs, 60_000);
  const paren = parsePromql('(a - b)[5m:1m]') as Subquery;
  assert.equal(paren.type, 'subquery');
  assert.equal(paren.stepMs, 60_000);
  assertParseError('a - b[5m:1m]', '1:1: parse error: binary expression must contain only scalar and instant vector types');
});

test('aggregations with by/without and parameters', () => {
  assert.deepEqual(parsePromql('sum without (instance) (x)'), {
    type: 'aggregate',
    op: 'sum',
    expr: { type: 'vectorSelector', name: 'x', matchers: [{ name: '__name__', op: '=', value: 'x' }], offsetMs: 0 },
    param: undefined,
    grouping: ['instance'],
    without: true,
  });
  const topk = parsePromql('topk by (job) (3, x)');
  assert.ok(topk.type === 'aggregate' && topk.op === 'topk' && topk.without === false);
  assert.deepEqual(topk.param, { type: 'number', value: 3 });
  assert.deepEqual(topk.grouping, ['job']);
});

test('binary operators: precedence, bool, on/ignoring, group_left/right', () => {
  const sum = parsePromql('1 + 2 * 3 ^ 2 ^ 2') as Binary;
  assert.equal(sum.op, '+');
  const product = sum.rhs as Binary;
  assert.equal(product.op, '*');
  const power = product.rhs as Binary;
  assert.equal(power.op, '^');
  assert.equal((power.rhs as Binary).op, '^', '^ is right-associative');

  const grouped = parsePromql('a * on(instance) group_left(role) b') as Binary;
  assert.deepEqual(grouped.matching, { card: 'many-to-one', on: true, labels: ['instance'], include: ['role'] });
  const right = parsePromql('a - ignoring(x) group_right b') as Binary;
  assert.deepEqual(right.matching, { card: 'one-to-many', on: false, labels: ['x'], include: [] });
  const comparison = parsePromql('a > bool 1') as Binary;
  assert.equal(comparison.returnBool, true);
  const set = parsePromql('a and b or c unless d') as Binary;
  assert.equal(set.op, 'or', 'and/unless bind tighter than or');
  assert.equal(set.matching.card, 'many-to-many');
});

test('unary minus folds into number literals and wraps vectors', () => {
  assert.deepEqual(parsePromql('-(2)'), { type: 'unary', op: '-', expr: { type: 'paren', expr: { type: 'number', value: 2 } } });
  const negated = parsePromql('-x') as Expr;
  assert.equal(negated.type, 'unary');
});

test('syntax errors carry Prometheus-style positions', () => {
  assertParseError('foo{', '1:5: parse error: unexpected end of input');
  assertParseError('sum(x) bar', '1:8: parse error: unexpected "bar"');
  assertParseError('foo +\n  ', '2:3: parse error: unexpected end of input');
  assertParseError('a +\n b )', '2:4: parse error: unexpected ")"');
  assertParseError('nosuchfn(x)', '1:1: parse error: unknown function with name "nosuchfn"');
  assertParseError('', '1:1: parse error: no expression found in input');
});

test('type errors Prometheus reports at parse time', () => {
  assertParseError('rate(foo)', '1:1: parse error: expected type range vector in call to function "rate", got instant vector');
  assertParseError('abs(foo, 2)', '1:1: parse error: expected 1 argument(s) in call to "abs", got 2');
  assertParseError('1 > 2', '1:3: parse error: comparisons between scalars must use BOOL modifier');
  assertParseError('a + bool b', '1:3: parse error: bool modifier can only be used on comparison operators');
  assertParseError('a and 1', '1:3: parse error: set operator "and" not allowed in binary scalar expression');
  assertParseError('a and on(x) group_left b', '1:7: parse error: no grouping allowed for "and" operation');
  assertParseError('sum(foo[5m])', '1:1: parse error: expected type instant vector in aggregation expression, got range vector');
  assertParseError('topk(x)', '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1');
  assertParseError('{job=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher');
  assertParseError('foo{a=~"("}', '1:8: parse error: invalid regular expression "(": Invalid regular expression: /^(?:()$/s: Unterminated group');
  assertParseError('sum(x) offset 5m', '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
  assertParseError('foo[0s]', '1:5: parse error: duration must be greater than 0');
  assertParseError('a * on(x) group_left(x) b', '1:5: parse error: label "x" must not occur in ON and GROUP clause at once');
  assertParseError('-foo[5m]', '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"');
  assertParseError(
    'histogram_avg(x)',
    '1:1: parse error: function "histogram_avg" is not supported: it reads native histograms, which Meshscope does not store (classic bucket series work with histogram_quantile)',
  );
  assertParseError('sort_by_label(x, "a")', '1:1: parse error: function "sort_by_label" is not supported');
  assertParseError('limitk(1, x)', '1:1: parse error: aggregation "limitk" is not supported');
  assertParseError('count_values(1, x)', '1:1: parse error: expected type string in aggregation parameter, got scalar');
  assertParseError('hour(x[5m])', '1:1: parse error: expected type instant vector in call to function "hour", got range vector');
});

test('durations and unquoting helpers', () => {
  assert.equal(parseDurationMs('1d2h'), 93_600_000);
  assert.equal(parseDurationMs('1500ms'), 1500);
  assert.equal(parseDurationMs('90'), 90_000);
  assert.equal(parseDurationMs('5x'), undefined);
  assert.equal(unquote('"\\x41\\101"'), 'AA');
  assert.equal(unquote('"bad\\q"'), undefined);
});
