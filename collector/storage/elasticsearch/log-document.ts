// The log document of the Elasticsearch store and its converters. Like a span document, it has the
// indexed fields searches need and the record itself under `log`, which the mapping does not index.
//
// Search fields hold lower-cased copies (this node has no analysis-common module, so no lowercase
// normalizer): the query side lower-cases the same way, in JavaScript, so both agree exactly. The body is
// indexed as `words`: the body's words as log-match.ts splits them (wordsOf), joined by spaces, under the
// built-in whitespace analyzer. The standard analyzer would split differently (it keeps `3.25` or
// `don't` as one token), and a prefilter that tokenizes unlike the exact check can drop matching lines.
// The whitespace tokenizer cuts tokens at 255 characters, so a longer word is indexed as its first
// MAX_INDEXED_WORD_CHARS characters and `_` (never a word character): one token, positions kept, its
// prefixes still findable, and equal to no real word.
//
// Ids are `<yyyymmdd>:<seq>`, the day of the line's time (which names its daily index) and the write
// sequence: 16 digits of the writer's strictly increasing microsecond clock, then `-` and a tag of the
// writing process, so two collectors writing in the same microsecond still give distinct ids. Lines
// with the same time are ordered by seq (write order within a process), and so by id.
import { randomBytes } from 'node:crypto';
import type { LogRecord } from '../../model/model.js';
import { attributeValueToString } from '../../model/attributes.js';
import { SEVERITY_LEVELS, type StoredLog } from '../api.js';
import { logTimeOf, wordsOf, logBodyText } from '../log-match.js';
import { decodeAttributes, decodeValue, encodeAttributes, encodeValue, tagTerm } from './span-document.js';

/** The indexed part of a log document; see index-templates.ts for the mapping. */
export interface LogDocument {
  /** The line's time (logTimeOf) in ns, as decimal text: JSON numbers cannot carry 64 bits. */
  time_ns: string;
  observed_ns: string;
  seq: string;
  severity: number;
  /** The number severity comparisons use: the number, or the text's level when the number is 0. */
  severity_level?: number;
  severity_text: string;
  service: string;
  service_lc: string;
  /** The resource's service.instance.id as text, exactly; absent when it has none. */
  instance?: string;
  trace_id?: string;
  span_id?: string;
  words: string;
  tags: string[];
  log: LogBody;
}

/** The record minus what the document holds at the top level (seq, service), bigints as text. */
type LogBody = Omit<LogRecord, 'timeUnixNano' | 'observedTimeUnixNano' | 'serviceName'> & {
  timeUnixNano: string;
  observedTimeUnixNano: string;
};

export const INSTANCE_KEY = 'service.instance.id';

/** Distinguishes this process's ids from another writer's with the same clock reading. */
const PROCESS_TAG = randomBytes(4).toString('hex');

const ID_PATTERN = /^(\d{4})(\d{2})(\d{2}):(\d{16}-[0-9a-f]{8})$/;
const MS_PER_DAY = 86_400_000;

/** Words up to this many UTF-16 units are indexed as they are; a query word longer than it is not pushed down. */
export const MAX_INDEXED_WORD_CHARS = 250;

/** The seq of a line written at writeSeq (the store's increasing µs clock). */
export function logSeq(writeSeq: number): string {
  return `${String(writeSeq).padStart(16, '0')}-${PROCESS_TAG}`;
}

/** The line's time in Unix ms, which decides its daily index. */
export function logTimeMs(log: Pick<LogRecord, 'timeUnixNano' | 'observedTimeUnixNano'>): number {
  return Number(logTimeOf(log) / 1_000_000n);
}

export function logId(timeMs: number, seq: string): string {
  const date = new Date(Math.floor(timeMs / MS_PER_DAY) * MS_PER_DAY);
  const day = `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`;
  return `${day}:${seq}`;
}

/** The UTC midnight (Unix ms) an id names, or undefined when the id is malformed. */
export function dayOfLogId(id: string): number | undefined {
  const match = ID_PATTERN.exec(id);
  if (match === null) return undefined;
  const dayMs = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date.UTC rolls 2026-13-40 over into a real day: such an id names none.
  return logId(dayMs, match[4]) === id ? dayMs : undefined;
}

export function toLogDocument(log: LogRecord, seq: string): LogDocument {
  const instance = log.resource.attributes.find((attribute) => attribute.key === INSTANCE_KEY);
  const textLevel = SEVERITY_LEVELS[log.severityText.toLowerCase()]?.min;
  const document: LogDocument = {
    time_ns: logTimeOf(log).toString(),
    observed_ns: log.observedTimeUnixNano.toString(),
    seq,
    severity: log.severityNumber,
    severity_text: log.severityText.toLowerCase(),
    service: log.serviceName,
    service_lc: log.serviceName.toLowerCase(),
    words: wordsOf(logBodyText(log)).map(indexedWord).join(' '),
    tags: logTags(log),
    log: {
      timeUnixNano: log.timeUnixNano.toString(),
      observedTimeUnixNano: log.observedTimeUnixNano.toString(),
      severityNumber: log.severityNumber,
      severityText: log.severityText,
      body: log.body === null ? null : encodeValue(log.body),
      attributes: encodeAttributes(log.attributes),
      droppedAttributesCount: log.droppedAttributesCount,
      flags: log.flags,
      traceId: log.traceId,
      spanId: log.spanId,
      eventName: log.eventName,
      resource: { ...log.resource, attributes: encodeAttributes(log.resource.attributes) },
      scope: { ...log.scope, attributes: encodeAttributes(log.scope.attributes) },
    },
  };
  const level = log.severityNumber !== 0 ? log.severityNumber : textLevel;
  if (level !== undefined) document.severity_level = level;
  if (instance !== undefined) document.instance = attributeValueToString(instance.value);
  // An empty id is "no trace": not indexed, so no trace_id condition can match it (as in log-match.ts).
  if (log.traceId !== '') document.trace_id = log.traceId.toLowerCase();
  if (log.spanId !== '') document.span_id = log.spanId.toLowerCase();
  return document;
}

export function fromLogDocument(document: LogDocument): StoredLog {
  const body = document.log;
  return {
    id: logId(Number(BigInt(document.time_ns) / 1_000_000n), document.seq),
    timeUnixNano: BigInt(body.timeUnixNano),
    observedTimeUnixNano: BigInt(body.observedTimeUnixNano),
    severityNumber: body.severityNumber,
    severityText: body.severityText,
    body: body.body === null ? null : decodeValue(body.body),
    attributes: decodeAttributes(body.attributes),
    droppedAttributesCount: body.droppedAttributesCount,
    flags: body.flags,
    traceId: body.traceId,
    spanId: body.spanId,
    eventName: body.eventName,
    serviceName: document.service,
    resource: { attributes: decodeAttributes(body.resource.attributes), droppedAttributesCount: body.resource.droppedAttributesCount },
    scope: { name: body.scope.name, version: body.scope.version, attributes: decodeAttributes(body.scope.attributes) },
  };
}

/** The search term of an attribute condition: the span tag encoding over the lower-cased value text. */
export function logTagTerm(key: string, valueText: string): string {
  return tagTerm(key, valueText.toLowerCase());
}

/** Terms of the record's and its resource's attributes, values lower-cased for case-insensitive search. */
function logTags(log: LogRecord): string[] {
  const terms = new Set<string>();
  for (const attribute of [...log.attributes, ...log.resource.attributes]) {
    terms.add(logTagTerm(attribute.key, attributeValueToString(attribute.value)));
  }
  return [...terms];
}

function indexedWord(word: string): string {
  if (word.length <= MAX_INDEXED_WORD_CHARS) return word;
  let head = word.slice(0, MAX_INDEXED_WORD_CHARS);
  // Never end on half of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head}_`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
