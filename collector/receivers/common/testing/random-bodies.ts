// Tests only: random request bodies for the decoders' fuzz tests, the same on every run.
import { seededRandom } from '../../../../test/fixtures/seeded-random.js';

/** `count` bodies of 1 to `maxLength` random bytes each. */
export function randomBodies(seed: number, count: number, maxLength: number): Buffer[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () =>
    Buffer.from(Array.from({ length: 1 + Math.floor(random() * maxLength) }, () => Math.floor(random() * 256))),
  );
}
