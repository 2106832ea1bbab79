// Which collector gets what. Rendezvous (highest-random-weight) hashing: each key goes to the target
// whose hash of (target, key) is highest. Every span of a trace has the same trace id, so a trace lands
// whole on one collector (its service graph and tail decisions need all of it), and adding or removing a
// collector moves only the keys that belonged to it.

/** Index into `targets` for `key`; stable across processes and restarts. */
export function targetIndexFor(key: string, targets: readonly string[]): number {
  if (targets.length === 1) return 0;
  let best = 0;
  let bestWeight = -1;
  for (let i = 0; i < targets.length; i++) {
    const weight = fnv1a(key, fnv1a(targets[i]!, FNV_OFFSET));
    if (weight > bestWeight) {
      bestWeight = weight;
      best = i;
    }
  }
  return best;
}

/** Splits items by target, keeping their order within each target; only non-empty groups. */
export function partitionByTarget<T>(items: readonly T[], keyOf: (item: T) => string, targets: readonly string[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const index = targetIndexFor(keyOf(item), targets);
    let group = groups.get(index);
    if (group === undefined) groups.set(index, (group = []));
    group.push(item);
  }
  return groups;
}

const FNV_OFFSET = 0x811c9dc5;

/** 32-bit FNV-1a over UTF-16 code units, finished with a murmur3 mix so nearby keys spread well. */
function fnv1a(text: string, seed: number): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
