import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogHistogramQuery, LogQuery } from '../api.js';
import { countedRecord, countedSourceFields, countsOfBuckets, emptyCounts, histogramAggregation } from './es-log-count.js';

const START_NS = 1_795_651_200_000_000_123n;

function histogram(overrides: Partial<LogHistogramQuery> = {}): LogHistogramQuery {
  return { query: null, startUnixNano: START_NS, endUnixNano: START_NS + 600_000_000_000n, stepMs: 60_000, ...overrides };
}

test('the date_histogram steps in nanoseconds from the window start, given as Elasticsearch "ms"', () => {
  assert.deepEqual(histogramAggregation(histogram()), {
    date_histogram: { field: 'time_ns', fixed_interval: '60000000000ms', offset: '+123ms', min_doc_count: 1 },
  });
  // Before 1970 the offset is still the start's place within a step, counted up from a step's start.
  const before1970 = histogramAggregation(histogram({ startUnixNano: -1n, stepMs: 1 }));
  assert.deepEqual(before1970, { date_histogram: { field: 'time_ns', fixed_interval: '1000000ms', offset: '+999999ms', min_doc_count: 1 } });
});

test('bucket keys read as doubles land in their buckets; the last bucket may be short', () => {
  const query = histogram({ endUnixNano: START_NS + 150_000_000_001n });
  assert.deepEqual(emptyCounts(query), [0, 0, 0]);
  // The keys as JSON numbers: START_NS itself is not a double, nor is a step past it.
  const keys = [START_NS, START_NS + 120_000_000_000n].map(Number);
  assert.deepEqual(countsOfBuckets(query, [{ key: keys[0], doc_count: 4 }, { key: keys[1], doc_count: 2 }]), [4, 0, 2]);
  assert.deepEqual(emptyCounts(histogram({ endUnixNano: START_NS })), []);
});

test('a count fetches the body and attributes only for queries that read them', () => {
  const base = ['time_ns', 'seq', 'service', 'log.severityNumber', 'log.severityText', 'log.traceId', 'log.spanId'];
  const text: LogQuery = { type: 'text', text: 'a b', prefix: true };
  const attribute: LogQuery = { type: 'field', field: 'user.id', value: 'u', prefix: true };
  assert.deepEqual(countedSourceFields(null), base);
  assert.deepEqual(countedSourceFields({ type: 'field', field: 'trace_id', value: 'ab', prefix: true }), base);
  assert.deepEqual(countedSourceFields({ type: 'not', child: text }), [...base, 'log.body']);
  assert.deepEqual(countedSourceFields({ type: 'or', children: [attribute, text] }), [...base, 'log.body', 'log.attributes', 'log.resource.attributes']);
});

test('the record of a partly fetched document has what was fetched, decoded', () => {
  const record = countedRecord({
    time_ns: '1',
    seq: '1',
    service: 'cart',
    log: { severityNumber: 9, severityText: 'INFO', traceId: 'ab', spanId: '', body: { type: 'string', value: 'hi' } },
  });
  assert.equal(record.serviceName, 'cart');
  assert.deepEqual(record.body, { type: 'string', value: 'hi' });
  assert.deepEqual(record.attributes, []);
  assert.deepEqual(record.resource.attributes, []);
  assert.equal(record.traceId, 'ab');
});
