import { test } from 'node:test';
import { MemoryStorage } from './memory-store.js';
import { checkMetricReaderCase, METRIC_READER_CASES, writeMetricFixture } from './metric-reader-cases.js';

const storage = new MemoryStorage();
await storage.start();
await writeMetricFixture(storage.writer);

for (const testCase of METRIC_READER_CASES) {
  test(`memory store metrics: ${testCase.name}`, () => checkMetricReaderCase(storage.metrics, testCase));
}
