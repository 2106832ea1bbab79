import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addTag, filterColumn, newFilterWords, tagMasks } from './tag-filter.js';

function contains(columns: [number, number], masks: [number, number]): boolean {
  // Mirrors the SQL test `(tag_filter_n & mask_n) = mask_n`; both sides are below 2^52, so split at 2^26.
  return masks.every((mask, n) => {
    const low = (column: number): number => column % 2 ** 26;
    const high = (column: number): number => Math.floor(column / 2 ** 26);
    const value = columns[n];
    return (low(value) & low(mask)) === low(mask) && (high(value) & high(mask)) === high(mask);
  });
}

test('a filter holds every tag added to it, in exact 52-bit column values', () => {
  const words = newFilterWords();
  const tags = Array.from({ length: 40 }, (_, i) => [`key.${i}`, `value ${i} ✓`] as const);
  for (const [key, value] of tags) addTag(words, key, value);
  const columns: [number, number] = [filterColumn(words, 0), filterColumn(words, 1)];
  for (const column of columns) assert.ok(Number.isSafeInteger(column) && column >= 0 && column < 2 ** 52);
  for (const [key, value] of tags) assert.ok(contains(columns, tagMasks(key, value)), `${key}=${value}`);
});

test('a span-sized filter rejects most tags it does not hold', () => {
  const words = newFilterWords();
  for (let i = 0; i < 15; i++) addTag(words, `attr.${i}`, `v${i}`);
  const columns: [number, number] = [filterColumn(words, 0), filterColumn(words, 1)];
  let falsePositives = 0;
  for (let i = 0; i < 5000; i++) if (contains(columns, tagMasks(`other.${i}`, `v${i}`))) falsePositives++;
  // Theory for 15 tags, 3 probes, 104 bits: about 6 %.
  assert.ok(falsePositives < 5000 * 0.12, `${falsePositives} false positives`);
  assert.notDeepEqual(tagMasks('k', 'ab'), tagMasks('ka', 'b'), 'key/value boundary matters');
});
