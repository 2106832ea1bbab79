import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleBuffer } from './sample-buffer.js';

test('SampleBuffer grows past its capacity and hands out exact-length copies', () => {
  const buffer = new SampleBuffer(2);
  for (let i = 0; i < 5; i++) buffer.push(i * 1000, i === 3 ? NaN : i * 10);
  assert.equal(buffer.length, 5);
  const taken = buffer.take();
  assert.deepEqual(taken, { timestampsMs: Float64Array.of(0, 1000, 2000, 3000, 4000), values: Float64Array.of(0, 10, 20, NaN, 40) });
  assert.equal(taken.values.buffer.byteLength, 5 * 8, 'not a view of the larger buffer');
  assert.equal(buffer.length, 0, 'taking empties the buffer');
  buffer.push(7, 70);
  assert.deepEqual(buffer.take(), { timestampsMs: Float64Array.of(7), values: Float64Array.of(70) });
  assert.equal(taken.values[0], 0, 'earlier results are not overwritten by later pushes');
});

test('SampleBuffer.clear empties it', () => {
  const buffer = new SampleBuffer();
  buffer.push(9, 9);
  buffer.clear();
  assert.deepEqual(buffer.take(), { timestampsMs: new Float64Array(0), values: new Float64Array(0) });
});
