// LogReader cases over the shared fixture's fifteen lines (fixtures.ts names them by number).
import type { LogHistogramQuery, LogQuery, LogSearch, SeverityOperator, Storage, StoredLog } from '../../collector/storage/api.js';
import { contractCase, type ContractCase } from './contract-case.js';
import {
  DAY1_MS,
  DAY2_MS,
  fixtureLine,
  LATER_START_MS,
  LINE_KEY,
  lineNumberOf,
  LOG_LINE_COUNT,
  MINUTE_MS,
  NO_EVENT_TIME_LINE_OBSERVED_MS,
  nsAt,
  SPAN,
  TIED_LINES_MS,
  TRACE,
  UNKNOWN_TRACE_ID,
} from './fixtures.js';

const DAY_MS = 86_400_000;
const L = LATER_START_MS;
const ALL_LINES = Array.from({ length: LOG_LINE_COUNT }, (_, i) => i + 1);

function search(overrides: Partial<LogSearch>): LogSearch {
  return {
    query: null,
    startUnixNano: BigInt(DAY1_MS) * 1_000_000n,
    endUnixNano: BigInt(DAY2_MS + DAY_MS) * 1_000_000n,
    limit: 100,
    direction: 'forward',
    ...overrides,
  };
}

const lines = (logs: StoredLog[]): number[] => logs.map(lineNumberOf);

/** The line numbers searchLogs returns, in its order (the full lines are compared across backends). */
function searchCase(name: string, overrides: Partial<LogSearch>, expected: number[]): ContractCase {
  return contractCase({
    name: `searchLogs: ${name}`,
    needs: 'logs',
    query: (storage) => storage.logs.searchLogs(search(overrides)),
    view: lines,
    expected,
  });
}

function queryCase(name: string, query: LogQuery, expected: number[]): ContractCase {
  return searchCase(name, { query }, expected);
}

const text = (words: string, prefix = false): LogQuery => ({ type: 'text', text: words, prefix });
const field = (name: string, value: string, prefix = false): LogQuery => ({ type: 'field', field: name, value, prefix });
const severity = (op: SeverityOperator, level: string): LogQuery => ({ type: 'severity', op, level });
const and = (...children: LogQuery[]): LogQuery => ({ type: 'and', children });
const or = (...children: LogQuery[]): LogQuery => ({ type: 'or', children });
const not = (child: LogQuery): LogQuery => ({ type: 'not', child });

/**
 * countLogs over ten minutes either side of DAY2's midnight in one-minute buckets unless overridden: the
 * fixture's lines fall in buckets 0 (lines 1-6), 5 (7-9), 9 (10, by its observed time), 10 (11, 12) and
 * 18 (13-15).
 */
function countCase(name: string, overrides: Partial<LogHistogramQuery>, expected: number[]): ContractCase {
  return contractCase({
    name: `countLogs: ${name}`,
    needs: 'logs',
    query: (storage) =>
      storage.logs.countLogs({ query: null, startUnixNano: nsAt(-10 * MINUTE_MS), endUnixNano: nsAt(10 * MINUTE_MS), stepMs: MINUTE_MS, ...overrides }),
    expected,
  });
}

/** `length` buckets, zero but for the given ones. */
function buckets(length: number, counts: Record<number, number>): number[] {
  return Array.from({ length }, (_, i) => counts[i] ?? 0);
}

/** The id the store gave fixture line n. */
async function idOfLine(storage: Storage, line: number): Promise<string> {
  const [found] = await storage.logs.searchLogs(search({ query: field(LINE_KEY, String(line)) }));
  if (found === undefined) throw new Error(`fixture line ${line} not found`);
  return found.id;
}

function contextCase(name: string, line: number, before: number, after: number, expected: number[]): ContractCase {
  return contractCase({
    name: `getLogContext: ${name}`,
    needs: 'logs',
    query: async (storage) => storage.logs.getLogContext({ id: await idOfLine(storage, line), before, after }),
    view: lines,
    expected,
  });
}

function traceLogsCase(name: string, traceId: string, limit: number, expected: number[]): ContractCase {
  return contractCase({
    name: `getTraceLogs: ${name}`,
    needs: 'logs',
    query: (storage) => storage.logs.getTraceLogs(traceId, limit),
    view: lines,
    expected,
  });
}

/** Ids are unique, stable between reads, and name the line in getLogContext. */
async function idProperties(storage: Storage): Promise<unknown> {
  const first = await storage.logs.searchLogs(search({}));
  const second = await storage.logs.searchLogs(search({ direction: 'backward' }));
  const ids = first.map((log) => log.id);
  const named = await Promise.all(first.map(async (log) => lineNumberOf((await storage.logs.getLogContext({ id: log.id, before: 0, after: 0 }))[0])));
  return {
    distinct: new Set(ids).size,
    stable: JSON.stringify(second.map((log) => log.id).reverse()) === JSON.stringify(ids),
    named,
  };
}

/** The lines sharing one time: backward is the exact reverse of forward, and getLogContext agrees. */
async function tiedLines(storage: Storage): Promise<unknown> {
  const window = { startUnixNano: nsAt(TIED_LINES_MS), endUnixNano: nsAt(TIED_LINES_MS) + 1n };
  const forward = await storage.logs.searchLogs(search(window));
  const backward = await storage.logs.searchLogs(search({ ...window, direction: 'backward' }));
  const context = await storage.logs.getLogContext({ id: forward[1].id, before: 1, after: 1 });
  return {
    lines: lines(forward).sort((a, b) => a - b),
    backwardIsReverse: JSON.stringify(lines(backward).reverse()) === JSON.stringify(lines(forward)),
    contextInForwardOrder: JSON.stringify(lines(context)) === JSON.stringify(lines(forward)),
  };
}

/** Reads, mutates what was returned, and reads again. */
async function readMutateRead(storage: Storage): Promise<StoredLog[]> {
  const query = field('trace_id', TRACE.checkout);
  for (const log of await storage.logs.searchLogs(search({ query }))) {
    log.attributes.length = 0;
    log.resource.attributes.length = 0;
    log.scope.name = 'mutated';
    log.body = null;
  }
  for (const log of await storage.logs.getTraceLogs(TRACE.checkout, 10)) log.resource.attributes.length = 0;
  return storage.logs.searchLogs(search({ query }));
}

export const LOG_CASES: ContractCase[] = [
  contractCase({
    name: 'searchLogs: every field of every line round-trips, oldest first',
    needs: 'logs',
    query: (storage) => storage.logs.searchLogs(search({})),
    view: (logs) => logs.map(({ id: _id, ...log }) => log),
    expected: ALL_LINES.map(fixtureLine),
  }),
  searchCase('backward is newest first', { direction: 'backward' }, [...ALL_LINES].reverse()),
  searchCase('forward limit', { limit: 3 }, [1, 2, 3]),
  searchCase('backward limit', { direction: 'backward', limit: 3 }, [15, 14, 13]),
  searchCase('window start inclusive, end exclusive, across midnight', { startUnixNano: nsAt(0), endUnixNano: nsAt(L) }, [11, 12]),
  searchCase('a line without event time is placed at its observed time', { startUnixNano: nsAt(NO_EVENT_TIME_LINE_OBSERVED_MS), endUnixNano: nsAt(0) }, [10]),
  searchCase('a window just after that observed time', { startUnixNano: nsAt(NO_EVENT_TIME_LINE_OBSERVED_MS) + 1n, endUnixNano: nsAt(0) }, []),
  searchCase('an empty window', { startUnixNano: nsAt(0), endUnixNano: nsAt(0) }, []),
  searchCase('a window across midnight backward with limit', { startUnixNano: nsAt(-DAY_MS), endUnixNano: nsAt(L), direction: 'backward', limit: 4 }, [12, 11, 10, 9]),
  searchCase('observedAfter is strict', { observedAfterUnixNano: nsAt(L + 5) }, [14, 15]),
  searchCase('observedAfter the last but one', { observedAfterUnixNano: nsAt(L + 6) }, [14]),
  contractCase({
    name: 'searchLogs: lines sharing one time are ordered the same both ways and in context',
    needs: 'logs',
    query: tiedLines,
    expected: { lines: [7, 8, 9], backwardIsReverse: true, contextInForwardOrder: true },
  }),
  contractCase({
    name: 'searchLogs: ids are distinct, stable, and name their line',
    needs: 'logs',
    query: idProperties,
    expected: { distinct: LOG_LINE_COUNT, stable: true, named: ALL_LINES },
  }),
  contractCase({
    name: 'searchLogs and getTraceLogs return copies',
    needs: 'logs',
    query: readMutateRead,
    view: (logs) => logs.map(({ id: _id, ...log }) => log),
    expected: [1, 2, 3, 4].map(fixtureLine),
  }),

  queryCase('a word', text('payment'), [2]),
  queryCase('a word in another case', text('PAYMENT'), [2]),
  queryCase('a phrase', text('card expired'), [2]),
  queryCase('a phrase across punctuation', text('declined card'), [2]),
  queryCase('words out of order are no phrase', text('expired card'), []),
  queryCase('words apart are no phrase', text('payment card'), []),
  queryCase('a word part is no match', text('check'), []),
  queryCase('a prefix', text('check', true), [1, 11, 13, 14, 15]),
  queryCase('a phrase ending in a prefix', text('checkout comp', true), [14, 15]),
  queryCase('a phrase split by a hyphen in the body', text('checkout complete'), [14, 15]),
  queryCase('an int body', text('42'), [4]),
  queryCase('a bool body', text('true'), [5]),
  queryCase('a double body', text('3.25'), [7]),
  queryCase('an array body', text('retry'), [9]),
  queryCase('a bytes body as its base64 text', text('aGVsbG8'), [12]),
  queryCase('a map body as JSON text', text('select from orders'), [3]),
  queryCase('a map body key', text('rows 0'), [3]),
  queryCase('service', field('service', 'orders'), [2, 3]),
  queryCase('service in another case', field('service', 'ORDERS'), [2, 3]),
  queryCase('service prefix', field('service', 'fr', true), [1, 5, 6, 10, 11, 13, 14, 15]),
  queryCase('a log-only service', field('service', 'auth'), [7, 8, 9]),
  queryCase('an unknown service', field('service', 'nope'), []),
  queryCase('trace_id', field('trace_id', TRACE.checkout), [1, 2, 3, 4]),
  queryCase('trace_id in upper case', field('trace_id', TRACE.checkout.toUpperCase()), [1, 2, 3, 4]),
  queryCase('trace_id prefix', field('trace_id', 'b2b2', true), [10, 12]),
  queryCase('an unknown trace_id', field('trace_id', UNKNOWN_TRACE_ID), []),
  queryCase('span_id', field('span_id', SPAN.checkoutOrdersCall), [2]),
  queryCase('a record attribute', field('order.id', 'ord-1042'), [2]),
  queryCase('a record attribute in another case', field('order.id', 'ORD-1042'), [2]),
  queryCase('a record attribute prefix', field('error.type', 'card', true), [2]),
  queryCase('an int record attribute', field('retry.count', '2'), [15]),
  queryCase('a resource attribute', field('service.instance.id', 'fe-2'), [5, 14]),
  queryCase('an int resource attribute', field('process.pid', '4242'), [4]),
  queryCase('an unknown attribute', field('no.such.key', 'x'), []),
  queryCase('severity = error: the range or the text', severity('=', 'error'), [2, 9, 15]),
  queryCase('severity = warn', severity('=', 'warn'), [4, 13]),
  queryCase('severity = warning: the text too', severity('=', 'warning'), [4, 7, 13]),
  queryCase('severity = info', severity('=', 'info'), [1, 10, 11, 12, 14]),
  queryCase('severity = trace', severity('=', 'trace'), [5]),
  queryCase('severity = debug', severity('=', 'debug'), [3]),
  queryCase('severity = fatal', severity('=', 'fatal'), [6]),
  queryCase('severity = an unknown level', severity('=', 'notice'), []),
  queryCase('severity >= error', severity('>=', 'error'), [2, 6, 9, 15]),
  queryCase('severity > warn', severity('>', 'warn'), [2, 6, 9, 15]),
  queryCase('severity >= warn: a text-only level counts', severity('>=', 'warn'), [2, 4, 6, 7, 9, 13, 15]),
  queryCase('severity < info: no severity is no level', severity('<', 'info'), [3, 5]),
  queryCase('severity <= debug', severity('<=', 'debug'), [3, 5]),
  queryCase('severity <= warn', severity('<=', 'warn'), [1, 3, 4, 5, 7, 10, 11, 12, 13, 14]),
  queryCase('and with not', and(field('service', 'frontend'), not(severity('>=', 'warn'))), [1, 5, 10, 11, 14]),
  queryCase('or', or(text('payment'), text('heap')), [2, 6]),
  queryCase('not alone', not(field('service', 'frontend')), [2, 3, 4, 7, 8, 9, 12]),
  queryCase('nested', and(or(field('service', 'orders'), field('service', 'cart')), not(text('payment'))), [3, 12]),
  queryCase('trace and severity', and(field('trace_id', TRACE.checkout), severity('>=', 'warn')), [2, 4]),
  queryCase('two trace ids', and(field('trace_id', TRACE.checkout), field('trace_id', TRACE.midnight)), []),
  queryCase('an empty and', and(), ALL_LINES),
  queryCase('a text without words matches every line', text('... --'), ALL_LINES),
  queryCase('an or with a wordless text', or(text('...'), text('payment')), ALL_LINES),
  searchCase('a query backward with limit', { query: field('service', 'frontend'), direction: 'backward', limit: 3 }, [15, 14, 13]),
  searchCase('a query in a window', { query: text('check', true), startUnixNano: nsAt(0), endUnixNano: nsAt(L + 1) }, [11, 13, 14]),

  contextCase('same service and instance, across midnight', 13, 2, 2, [10, 11, 13, 15]),
  contextCase('no neighbours asked', 13, 0, 0, [13]),
  contextCase('another instance of the service', 5, 5, 5, [5, 14]),
  contextCase('a resource without instance id: the whole service', 4, 5, 5, [4]),
  contextCase('back into day 1', 11, 2, 1, [6, 10, 11, 13]),
  contractCase({
    name: 'getLogContext: unknown and malformed ids',
    needs: 'logs',
    query: async (storage) => [
      await storage.logs.getLogContext({ id: 'nope', before: 1, after: 1 }),
      await storage.logs.getLogContext({ id: '', before: 1, after: 1 }),
      await storage.logs.getLogContext({ id: '99991231:1', before: 1, after: 1 }),
    ],
    expected: [[], [], []],
  }),

  traceLogsCase('time order', TRACE.checkout, 10, [1, 2, 3, 4]),
  traceLogsCase('the earliest limit', TRACE.checkout, 2, [1, 2]),
  traceLogsCase('across midnight, one line placed by observed time', TRACE.midnight, 10, [10, 12]),
  traceLogsCase('one line', TRACE.checkoutLater, 10, [13]),
  traceLogsCase('an unknown trace', UNKNOWN_TRACE_ID, 10, []),
  // The query language never produces an empty `or`, but a direct LogReader caller may: it matches nothing.
  queryCase('an empty or', or(), []),

  countCase('every line, across midnight', {}, buckets(20, { 0: 6, 5: 3, 9: 1, 10: 2, 18: 3 })),
  countCase('a word', { query: text('payment') }, buckets(20, { 0: 1 })),
  countCase('a phrase', { query: text('checkout complete') }, buckets(20, { 18: 2 })),
  countCase('a prefix', { query: text('check', true) }, buckets(20, { 0: 1, 10: 1, 18: 3 })),
  countCase('a map body', { query: text('select from orders') }, buckets(20, { 0: 1 })),
  countCase('service', { query: field('service', 'frontend') }, buckets(20, { 0: 3, 9: 1, 10: 1, 18: 3 })),
  countCase('service prefix', { query: field('service', 'AU', true) }, buckets(20, { 5: 3 })),
  countCase('an unknown service', { query: field('service', 'nope') }, buckets(20, {})),
  countCase('a record attribute', { query: field('order.id', 'ord-1042') }, buckets(20, { 0: 1 })),
  countCase('a resource attribute', { query: field('service.instance.id', 'fe-2') }, buckets(20, { 0: 1, 18: 1 })),
  countCase('trace_id', { query: field('trace_id', TRACE.midnight) }, buckets(20, { 9: 1, 10: 1 })),
  countCase('severity >= warn', { query: severity('>=', 'warn') }, buckets(20, { 0: 3, 5: 2, 18: 2 })),
  countCase('severity = error: the range or the text', { query: severity('=', 'error') }, buckets(20, { 0: 1, 5: 1, 18: 1 })),
  countCase('not and severity', { query: and(field('service', 'frontend'), not(severity('>=', 'warn'))) }, buckets(20, { 0: 2, 9: 1, 10: 1, 18: 1 })),
  countCase('or', { query: or(text('payment'), text('heap')) }, buckets(20, { 0: 2 })),
  countCase('not alone', { query: not(field('service', 'frontend')) }, buckets(20, { 0: 3, 5: 3, 10: 1 })),
  countCase('an empty or', { query: or() }, buckets(20, {})),
  countCase('a line exactly at the start counts, one exactly at the end does not', { startUnixNano: nsAt(0), endUnixNano: nsAt(L) }, buckets(8, { 0: 2 })),
  // Lines 13 and 14 lie one nanosecond before a bucket edge, line 15 a millisecond after it: a store
  // rounding times through doubles (256 ns apart today) would move them.
  countCase(
    'a bucket edge one nanosecond after a line',
    { startUnixNano: nsAt(L - 5 * MINUTE_MS, 1n), endUnixNano: nsAt(L + 5 * MINUTE_MS, 1n) },
    buckets(10, { 4: 2, 5: 1 }),
  ),
  countCase('a window of one nanosecond', { startUnixNano: nsAt(TIED_LINES_MS), endUnixNano: nsAt(TIED_LINES_MS) + 1n }, [3]),
  // 13 minutes in 7-minute buckets: the last bucket is cut short by the window's end, just after line 15.
  countCase('a step that does not divide the window', { startUnixNano: nsAt(-5 * MINUTE_MS), endUnixNano: nsAt(L + 2), stepMs: 7 * MINUTE_MS }, [6, 3]),
  countCase('a window with no lines', { startUnixNano: nsAt(L + 2), endUnixNano: nsAt(L + 60 * MINUTE_MS) }, buckets(60, {})),
  countCase('an empty window', { startUnixNano: nsAt(0), endUnixNano: nsAt(0) }, []),
];
