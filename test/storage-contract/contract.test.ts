// The storage contract suite: every case against every available backend (backends.ts), then every
// case's answers compared across backends, so a new backend is held to the others even where a case
// writes down only part of the answer. One process, one store per backend for the read cases (the
// fixture is written once), and a fresh store per retention case.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WriteBatch } from '../../collector/storage/api.js';
import { ALERTING_CASES } from './alerting-cases.js';
import { BACKENDS, type Capability, type ContractBackend, type OpenedStorage } from './backends.js';
import { comparable, contractCase, type ContractCase } from './contract-case.js';
import { fixtureBatches } from './fixtures.js';
import { LOG_CASES } from './log-cases.js';
import { HISTOGRAM_CASES, METRIC_READER_CASES, writeMetricFixture } from './metric-reader-cases.js';
import { retentionCases } from './retention-cases.js';
import { TRACE_CASES } from './trace-cases.js';

const METRIC_CASES: ContractCase[] = [...METRIC_READER_CASES, ...HISTOGRAM_CASES].map((metricCase) =>
  contractCase({ name: `metrics: ${metricCase.name}`, needs: 'metrics', query: (storage) => metricCase.run(storage.metrics), expected: metricCase.expected }),
);

const CASES: ContractCase[] = [...TRACE_CASES, ...LOG_CASES, ...METRIC_CASES, ...ALERTING_CASES];

/** Which signal each part of a write batch belongs to, so a backend lacking one is not sent it. */
const BATCH_SIGNALS: [keyof WriteBatch, Capability][] = [
  ['spans', 'traces'],
  ['logs', 'logs'],
  ['samples', 'metrics'],
  ['metricMetadata', 'metrics'],
  ['edges', 'dependencies'],
];

function has(backend: ContractBackend, capability: Capability): boolean {
  return !(backend.lacks ?? []).includes(capability);
}

function withoutLacking(backend: ContractBackend, batch: WriteBatch): WriteBatch {
  const kept = { ...batch };
  for (const [part, capability] of BATCH_SIGNALS) if (!has(backend, capability)) kept[part] = [];
  return kept;
}

/** The shared fixture, written as a collector would, then the metric fixture. */
async function writeFixture(backend: ContractBackend, opened: OpenedStorage): Promise<void> {
  for (const batch of fixtureBatches()) await opened.storage.writer.write(withoutLacking(backend, batch));
  if (has(backend, 'metrics')) await writeMetricFixture(opened.storage.writer);
}

const available = BACKENDS.filter((backend) => {
  const reason = backend.available();
  if (reason !== undefined) console.log(`# storage contract: backend ${backend.name} not run: ${reason}`);
  return reason === undefined;
});

after(async () => {
  for (const backend of available) await backend.release?.();
});

/** Comparable answers by case name, then backend name, in backend order. */
const answers = new Map<string, Map<string, unknown>>(CASES.map((contract) => [contract.name, new Map()]));

for (const backend of available) {
  describe(backend.name, () => {
    let opened: OpenedStorage;
    before(async () => {
      opened = await backend.open();
      await writeFixture(backend, opened);
    });
    after(() => opened?.close());

    for (const contract of CASES.filter((c) => has(backend, c.needs))) {
      test(contract.name, async () => {
        const answer = await contract.query(opened.storage);
        answers.get(contract.name)!.set(backend.name, comparable(answer));
        assert.deepEqual(contract.view === undefined ? answer : contract.view(answer), contract.expected);
      });
    }
  });

  if (has(backend, 'retention')) {
    describe(`${backend.name} retention`, () => {
      for (const [name, run] of retentionCases) {
        test(name, async () => {
          const stores: OpenedStorage[] = [];
          try {
            await run(async () => {
              const opened = await backend.open();
              stores.push(opened);
              return opened.storage;
            });
          } finally {
            for (const opened of stores) await opened.close();
          }
        });
      }
    });
  }
}

describe('backends agree', () => {
  test('at least two backends are compared', () => {
    assert.ok(available.length >= 2, `only ${available.map((b) => b.name).join(', ')} ran`);
  });
  for (const contract of CASES) {
    test(contract.name, () => {
      const byBackend = [...answers.get(contract.name)!];
      const ran = available.filter((backend) => has(backend, contract.needs)).map((backend) => backend.name);
      assert.deepEqual(byBackend.map(([name]) => name), ran, 'every backend that runs the case answered it');
      const [reference, ...others] = byBackend;
      for (const [name, answer] of others) {
        assert.deepEqual(answer, reference[1], `${name} answers like ${reference[0]}`);
      }
    });
  }
});
