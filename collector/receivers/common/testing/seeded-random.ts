// Tests only: deterministic randomness for the decoders' fuzz tests, so a failing round replays exactly.

/** Numbers in [0, 1) from a linear congruential generator (glibc's constants). */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}

/** `count` bodies of 1 to `maxLength` random bytes each. */
export function randomBodies(seed: number, count: number, maxLength: number): Buffer[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () =>
    Buffer.from(Array.from({ length: 1 + Math.floor(random() * maxLength) }, () => Math.floor(random() * 256))),
  );
}
