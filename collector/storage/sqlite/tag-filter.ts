// A per-span Bloom filter of its tags (attributes and status tags), stored in two INTEGER columns of the
// span row. A tag search tests it with two integer ANDs per candidate row instead of probing a separate
// tag index; such an index cost the writer several random B-tree inserts per span. False positives only
// cost a confirmation against the span body, never a wrong answer.

/** Bits per column. 52 keeps every column value an exact JS number, so no bigint is needed. */
const COLUMN_BITS = 52;
/** A column is built as two 26-bit halves, because JS bit operations work on 32 bits. */
const HALF_BITS = 26;
const FILTER_BITS = 2 * COLUMN_BITS;
/** Bits set per tag (7-bit slices of one 32-bit hash): with 10 to 20 tags per span, 3 to 9 % false positives. */
const PROBES = 3;
const TWO_POW_26 = 67_108_864;

/** The filter being built: four 26-bit words, two per column. */
export type FilterWords = Int32Array;

export function newFilterWords(): FilterWords {
  return new Int32Array(FILTER_BITS / HALF_BITS);
}

/** Sets the bits of one (key, value-as-text) tag. */
export function addTag(words: FilterWords, key: string, valueText: string): void {
  const hash = filterHash(key, valueText);
  for (let probe = 0; probe < PROBES; probe++) {
    // Integer-only arithmetic: this runs for every attribute of every ingested span.
    const bit = ((hash >>> (7 * probe)) & 127) % FILTER_BITS;
    words[(bit / HALF_BITS) | 0] |= 1 << bit % HALF_BITS;
  }
}

/** The value of column 0 or 1 (tag_filter_0 / tag_filter_1) for the words. */
export function filterColumn(words: FilterWords, column: 0 | 1): number {
  return (words[2 * column + 1] >>> 0) * TWO_POW_26 + (words[2 * column] >>> 0);
}

/** The two column masks a span's filter must contain (every bit set) to possibly hold the tag. */
export function tagMasks(key: string, valueText: string): [number, number] {
  const words = newFilterWords();
  addTag(words, key, valueText);
  return [filterColumn(words, 0), filterColumn(words, 1)];
}

/** A 32-bit hash of the pair (one multiply per character, then murmur3's finaliser to spread the bits). */
function filterHash(key: string, valueText: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  // A separator no key contains keeps ("ab","c") and ("a","bc") apart.
  h = Math.imul(h ^ 0xffff, 0x01000193);
  for (let i = 0; i < valueText.length; i++) h = Math.imul(h ^ valueText.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
