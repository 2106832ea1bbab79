// Turns the text of one log record (one line, or several joined lines of a stack trace) into the fields
// of a LogRecord. Three shapes are recognised, in this order, as Fluent Bit's and the OTel Collector's
// json/logfmt parsers do for the common cases: a JSON object, logfmt (`key=value key2="quoted value"`),
// and plain text, whose severity is guessed from a leading level word and whose time from a leading
// RFC 3339 timestamp.

import { isValidSpanId, isValidTraceId } from '../../collector/model/attributes.js';
import type { Attribute, AttributeValue } from '../../collector/model/model.js';

export interface ParsedLog {
  /** 0n when the text carries no time we understand. */
  timeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: string;
  attributes: Attribute[];
  traceId: string;
  spanId: string;
}

const TIME_KEYS = ['time', 'timestamp', 'ts', '@timestamp'];
const LEVEL_KEYS = ['level', 'severity', 'lvl'];
const MESSAGE_KEYS = ['msg', 'message', 'body'];
const TRACE_ID_KEYS = ['trace_id', 'traceId', 'trace.id'];
const SPAN_ID_KEYS = ['span_id', 'spanId', 'span.id'];

/** Parses the text of one record; `lines` are the record's lines (continuations after the first). */
export function parseLogRecord(lines: readonly string[]): ParsedLog {
  const text = lines.join('\n');
  // A pretty-printed JSON object spans all the lines.
  const whole = tryParseJsonObject(text);
  if (whole !== undefined) return fromFields(Object.entries(whole), text);
  const first = lines[0] ?? '';
  const object = lines.length > 1 ? tryParseJsonObject(first) : undefined;
  const fields = object !== undefined ? Object.entries(object) : parseLogfmt(first);
  if (fields === undefined) return parsePlain(text);
  const parsed = fromFields(fields, first);
  // Continuation lines (a stack trace after a structured line) belong to the message.
  if (lines.length > 1) parsed.body = [parsed.body, ...lines.slice(1)].join('\n');
  return parsed;
}

function tryParseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the record from key/value fields (JSON or logfmt); unknown keys become attributes. */
function fromFields(fields: ReadonlyArray<[string, unknown]>, original: string): ParsedLog {
  const parsed: ParsedLog = {
    timeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: original,
    attributes: [],
    traceId: '',
    spanId: '',
  };
  let haveTime = false;
  let haveLevel = false;
  let haveMessage = false;
  for (const [key, value] of fields) {
    if (!haveTime && TIME_KEYS.includes(key)) {
      const time = parseTime(value);
      if (time !== undefined) {
        parsed.timeUnixNano = time;
        haveTime = true;
        continue;
      }
    }
    if (!haveLevel && LEVEL_KEYS.includes(key) && (typeof value === 'string' || typeof value === 'number')) {
      const severity = severityOf(value);
      parsed.severityNumber = severity.number;
      parsed.severityText = severity.text;
      haveLevel = true;
      continue;
    }
    if (!haveMessage && MESSAGE_KEYS.includes(key) && typeof value === 'string') {
      parsed.body = value;
      haveMessage = true;
      continue;
    }
    if (parsed.traceId === '' && TRACE_ID_KEYS.includes(key) && typeof value === 'string') {
      const id = value.toLowerCase();
      if (isValidTraceId(id)) {
        parsed.traceId = id;
        continue;
      }
    }
    if (parsed.spanId === '' && SPAN_ID_KEYS.includes(key) && typeof value === 'string') {
      const id = value.toLowerCase();
      if (isValidSpanId(id)) {
        parsed.spanId = id;
        continue;
      }
    }
    const attributeValue = toAttributeValue(value);
    if (attributeValue !== undefined) parsed.attributes.push({ key, value: attributeValue });
  }
  return parsed;
}

function toAttributeValue(value: unknown): AttributeValue | undefined {
  switch (typeof value) {
    case 'string':
      return { type: 'string', value };
    case 'boolean':
      return { type: 'bool', value };
    case 'number':
      return Number.isSafeInteger(value) ? { type: 'int', value } : { type: 'double', value };
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        return { type: 'array', value: value.flatMap((item) => toAttributeValue(item) ?? []) };
      }
      const entries: Attribute[] = [];
      for (const [key, item] of Object.entries(value)) {
        const itemValue = toAttributeValue(item);
        if (itemValue !== undefined) entries.push({ key, value: itemValue });
      }
      return { type: 'map', value: entries };
    }
    default:
      return undefined;
  }
}

// ---- logfmt ----

const LOGFMT_KEY = /^[^\s="]+$/;

/**
 * The pairs of a logfmt line, or undefined when the line is not logfmt: every space-separated token must
 * be `key=value` (value bare or double-quoted with backslash escapes); a bare word means it is prose.
 */
export function parseLogfmt(line: string): Array<[string, string]> | undefined {
  const pairs: Array<[string, string]> = [];
  let index = 0;
  while (index < line.length) {
    while (line[index] === ' ' || line[index] === '\t') index++;
    if (index >= line.length) break;
    const equals = line.indexOf('=', index);
    if (equals <= index) return undefined;
    const key = line.slice(index, equals);
    if (!LOGFMT_KEY.test(key)) return undefined;
    const value = readLogfmtValue(line, equals + 1);
    if (value === undefined) return undefined;
    pairs.push([key, value.text]);
    index = value.end;
  }
  return pairs.length > 0 ? pairs : undefined;
}

function readLogfmtValue(line: string, start: number): { text: string; end: number } | undefined {
  if (line[start] !== '"') {
    let end = start;
    while (end < line.length && line[end] !== ' ' && line[end] !== '\t') end++;
    const text = line.slice(start, end);
    return text.includes('"') ? undefined : { text, end };
  }
  let text = '';
  for (let i = start + 1; i < line.length; i++) {
    const char = line[i];
    if (char === '\\' && i + 1 < line.length) {
      const next = line[++i];
      text += next === 'n' ? '\n' : next === 't' ? '\t' : next;
    } else if (char === '"') {
      const after = line[i + 1];
      return after === undefined || after === ' ' || after === '\t' ? { text, end: i + 1 } : undefined;
    } else {
      text += char;
    }
  }
  return undefined; // unterminated quote
}

// ---- plain text ----

const LEADING_TIMESTAMP =
  /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)\]?\s+/;
const LEADING_LEVEL = /^[[(<]?([A-Za-z]+)[\])>:]?(?=\s|$)/;

function parsePlain(text: string): ParsedLog {
  let rest = text;
  let timeUnixNano = 0n;
  const timeMatch = LEADING_TIMESTAMP.exec(rest);
  if (timeMatch !== null) {
    const time = parseTimeString(timeMatch[1]!.replace(',', '.').replace(' ', 'T'));
    if (time !== undefined) {
      timeUnixNano = time;
      rest = rest.slice(timeMatch[0].length);
    }
  }
  const levelMatch = LEADING_LEVEL.exec(rest);
  const severity = levelMatch === null ? undefined : knownLevel(levelMatch[1]!);
  return {
    timeUnixNano,
    severityNumber: severity?.number ?? 0,
    severityText: severity === undefined ? '' : levelMatch![1]!,
    body: text,
    attributes: [],
    traceId: '',
    spanId: '',
  };
}

// ---- severity ----

/** OTel's severity ranges: the first number of each range (log data model, "Field: SeverityNumber"). */
const SEVERITY_BY_WORD: ReadonlyMap<string, number> = new Map([
  ['trace', 1],
  ['debug', 5],
  ['dbug', 5],
  ['info', 9],
  ['information', 9],
  ['informational', 9],
  ['notice', 10],
  ['warn', 13],
  ['warning', 13],
  ['error', 17],
  ['err', 17],
  ['fatal', 21],
  ['critical', 21],
  ['crit', 21],
  ['panic', 21],
  ['alert', 22],
  ['emerg', 23],
  ['emergency', 23],
]);

/** pino's and bunyan's numeric levels. */
const NUMERIC_LEVELS: ReadonlyArray<[number, string, number]> = [
  [10, 'TRACE', 1],
  [20, 'DEBUG', 5],
  [30, 'INFO', 9],
  [40, 'WARN', 13],
  [50, 'ERROR', 17],
  [60, 'FATAL', 21],
];

function knownLevel(word: string): { number: number; text: string } | undefined {
  const number = SEVERITY_BY_WORD.get(word.toLowerCase());
  return number === undefined ? undefined : { number, text: word };
}

/** Severity from a level field: a word (any case) or a pino/bunyan number; unknown words keep their text. */
export function severityOf(level: string | number): { number: number; text: string } {
  if (typeof level === 'number') {
    const match = NUMERIC_LEVELS.find(([value]) => value === level);
    return match === undefined ? { number: 0, text: String(level) } : { number: match[2], text: match[1] };
  }
  return knownLevel(level) ?? { number: 0, text: level };
}

// ---- time ----

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i;

function parseTime(value: unknown): bigint | undefined {
  if (typeof value === 'number') return epochNumberToNanos(value);
  if (typeof value !== 'string') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return epochNumberToNanos(Number(value));
  return parseTimeString(value);
}

/**
 * Nanoseconds from an RFC 3339 time, keeping all nine fraction digits (Date keeps only milliseconds).
 * A time without a zone is taken as UTC, as log shippers do.
 */
function parseTimeString(value: string): bigint | undefined {
  const match = RFC3339.exec(value);
  if (match === null) return undefined;
  const zone = match[3] === undefined ? 'Z' : match[3].toUpperCase();
  const wholeSecondMs = Date.parse(`${match[1]}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`);
  if (Number.isNaN(wholeSecondMs)) return undefined;
  const fractionNanos = (match[2] ?? '').padEnd(9, '0');
  return BigInt(wholeSecondMs) * 1_000_000n + BigInt(fractionNanos);
}

/** Epoch numbers by magnitude: seconds, milliseconds, microseconds or nanoseconds. */
function epochNumberToNanos(value: number): bigint | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  if (value < 1e11) return BigInt(Math.round(value * 1e6)) * 1000n;
  if (value < 1e14) return BigInt(Math.round(value * 1e3)) * 1000n;
  if (value < 1e17) return BigInt(Math.round(value)) * 1000n;
  return BigInt(Math.round(value));
}
