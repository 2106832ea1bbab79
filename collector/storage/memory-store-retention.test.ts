import { test } from 'node:test';
import { MemoryStorage } from './memory-store.js';
import { retentionCases } from './retention-cases.js';

async function open(): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  await storage.start();
  return storage;
}

for (const [name, run] of retentionCases) {
  test(`memory store retention: ${name}`, () => run(open));
}
