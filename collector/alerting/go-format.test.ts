import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoFloat } from './go-format.js';

test('formatGoFloat matches Go strconv, including ties rounded to even', () => {
  // Expected strings from Go 1.26 fmt.Sprintf("%v|%.4g|%.2f|%.3e").
  const cases: [number, string][] = [
    [1e6, '1e+06|1e+06|1000000.00|1.000e+06'],
    [123456, '123456|1.235e+05|123456.00|1.235e+05'],
    [0.0001, '0.0001|0.0001|0.00|1.000e-04'],
    [1e21, '1e+21|1e+21|1000000000000000000000.00|1.000e+21'],
    [1.0625, '1.0625|1.062|1.06|1.062e+00'],
    [0.125, '0.125|0.125|0.12|1.250e-01'],
    [0, '0|0|0.00|0.000e+00'],
  ];
  for (const [x, expected] of cases) {
    const got = [formatGoFloat(x, 'g', -1), formatGoFloat(x, 'g', 4), formatGoFloat(x, 'f', 2), formatGoFloat(x, 'e', 3)];
    assert.equal(got.join('|'), expected, String(x));
  }
  assert.equal(formatGoFloat(0.5, 'f', 0), '0');
  assert.equal(formatGoFloat(1.5, 'f', 0), '2');
  assert.equal(formatGoFloat(0.009, 'f', 2), '0.01');
  assert.equal(formatGoFloat(999.99, 'g', 4), '1000');
});
