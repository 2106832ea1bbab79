import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheusText, PrometheusParseError } from './prometheus-text.js';

test('HELP and TYPE, escaped label values, special floats and timestamps', () => {
  const families = parsePrometheusText(
    [
      '# HELP temp_celsius Temperature \\\\ in "C"\\nper room',
      '# TYPE temp_celsius gauge',
      'temp_celsius{room="a\\"b\\\\c\\nd", floor = "1" ,} -Inf 1714558830123',
      'temp_celsius{room="e"} NaN',
      'temp_celsius{room="f"} +Inf',
      'temp_celsius{room="g"} 1.5e3',
      '# a free comment',
      'no_type_here 7',
    ].join('\r\n'),
  );
  assert.equal(families.length, 2);
  const [temp, untyped] = families;
  assert.equal(temp!.type, 'gauge');
  assert.equal(temp!.help, 'Temperature \\ in "C"\nper room');
  assert.deepEqual(temp!.samples[0], {
    name: 'temp_celsius',
    labels: [
      ['room', 'a"b\\c\nd'],
      ['floor', '1'],
    ],
    value: -Infinity,
    timestampMs: 1714558830123,
  });
  assert.ok(Number.isNaN(temp!.samples[1]!.value));
  assert.equal(temp!.samples[2]!.value, Infinity);
  assert.equal(temp!.samples[3]!.value, 1500);
  assert.deepEqual(untyped, {
    name: 'no_type_here',
    type: 'untyped',
    help: '',
    samples: [{ name: 'no_type_here', labels: [], value: 7, timestampMs: undefined }],
  });
});

test('suffixed series join their histogram or summary family; an unrelated name does not', () => {
  const families = parsePrometheusText(
    [
      '# TYPE rpc_seconds histogram',
      'rpc_seconds_bucket{le="1"} 1',
      'rpc_seconds_bucket{le="+Inf"} 2',
      'rpc_seconds_sum 3',
      'rpc_seconds_count 2',
      'rpc_seconds_total 9',
    ].join('\n'),
  );
  assert.deepEqual(
    families.map((family) => [family.name, family.type, family.samples.length]),
    [
      ['rpc_seconds', 'histogram', 4],
      ['rpc_seconds_total', 'untyped', 1],
    ],
  );
});

test('malformed lines fail the whole exposition with the line number', () => {
  for (const [text, message] of [
    ['ok 1\nbad{label="x} 1', /line 2: unterminated label value/],
    ['m{a="1",a="2"} 1', /duplicate label a/],
    ['m 1 2 3', /expected a value/],
    ['m abc', /invalid value "abc"/],
    ['m 1 1.5', /invalid timestamp/],
    ['# TYPE m sometimes', /unknown metric type/],
    ['m 1\n# TYPE m gauge', /TYPE for m after its samples/],
    ['{a="1"} 1', /expected metric name/],
  ] as const) {
    assert.throws(() => parsePrometheusText(text), (error: unknown) => {
      assert.ok(error instanceof PrometheusParseError);
      assert.match(error.message, message);
      return true;
    });
  }
});
