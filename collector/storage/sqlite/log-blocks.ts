// The stored form of log lines. Lines are kept in blocks: one row holds up to MAX_LINES_PER_BLOCK lines of
// one service from one write batch, sorted by time and spanning at most MAX_BLOCK_SPAN_NS. Per-line rows
// with three indexes and a positional full-text entry each capped ingest near 59,000 lines/s and made a
// common word's match list a whole day of lines; a block costs one row and one FTS5 entry without
// positions (so a word's list names blocks, not lines), and a search walks blocks in time order,
// deciding each line exactly with log-match.ts (Loki's chunks, with a word index for its Bloom filters).
import type { Attribute, AttributeValue, LogRecord } from '../../model/model.js';
import { SEVERITY_LEVELS, type LogQuery } from '../api.js';
import { wordsOf } from '../log-match.js';
import { BlockTokens, keyPart, valuePart } from './log-attribute-index.js';

/** Most lines a block holds; a block is decoded whole, so this bounds the work of reading one line. */
const MAX_LINES_PER_BLOCK = 1_000;
/**
 * Widest time range of one block. A time-ordered walk must read every block overlapping the lines it
 * returns, so wide blocks (a batch of late lines) would make every walk read them; it also lets a walk
 * narrow its index range to blocks starting at most this long before its window.
 */
export const MAX_BLOCK_SPAN_NS = 60_000_000_000n;
/** A line's id within its day is blockId * LINE_ID_FACTOR + index, so ids order as (block, index). */
const LINE_ID_FACTOR = 65_536;

/**
 * One line in a block: [time_ns, observed_time_ns (decimal strings), severity number, severity text,
 * body, attributes (codec.ts flat form, a third of the model's encoding time), dropped attributes count,
 * flags, event name, resource, scope (indexes into the block's resource_ids / scope_ids), trace id hex
 * ('' for none), span id hex ('' for none)].
 *
 * Every line's body text (log-match.ts logBodyText) is in the block's bodies column, the texts joined by
 * '\n' in line order, which is also exactly what the word index is given. So a string body is stored as
 * the length of its text there (no JSON escaping, stored once); any other body as [value, text length].
 */
type BlockLine = StoredLine<number | [AttributeValue | null, number]>;

/** A block line with its body decoded. */
export type DecodedLine = StoredLine<AttributeValue | null>;

/** A block line as parsed, its body field not yet resolved against the bodies column. */
export type ParsedLine = StoredLine<unknown>;

type StoredLine<Body> = [
  time: string,
  observed: string,
  severityNumber: number,
  severityText: string,
  body: Body,
  attributes: unknown[],
  droppedAttributesCount: number,
  flags: number,
  eventName: string,
  resourceRef: number,
  scopeRef: number,
  traceId: string,
  spanId: string,
];

/** The fields of a line stored as they are (a LogRecord has them all). */
export type LineFields = Pick<
  LogRecord,
  'timeUnixNano' | 'observedTimeUnixNano' | 'severityNumber' | 'severityText' | 'droppedAttributesCount' | 'flags' | 'eventName' | 'traceId' | 'spanId'
>;

/**
 * One line as JSON (a BlockLine), from its fields and its body and flat attributes already as JSON (the
 * migration of per-line rows has them so). Built by concatenation: most parts are numbers or texts that repeat.
 */
export function encodeBlockLine(fields: LineFields, bodyJson: string, attributesJson: string, resourceRef: number, scopeRef: number): string {
  return (
    `["${fields.timeUnixNano}","${fields.observedTimeUnixNano}",${fields.severityNumber},${jsonOfShortText(fields.severityText)},` +
    `${bodyJson},${attributesJson},${fields.droppedAttributesCount},${fields.flags},${jsonOfShortText(fields.eventName)},` +
    `${resourceRef},${scopeRef},${jsonOfId(fields.traceId)},${jsonOfId(fields.spanId)}]`
  );
}

/**
 * One line as JSON (a BlockLine), in one JSON.stringify: faster than concatenating its parts, which
 * makes a chain of string pieces per line that joining the block must flatten again.
 */
export function encodeLine(log: LineFields & Pick<LogRecord, 'body'>, bodyText: string, attributes: unknown[], resourceRef: number, scopeRef: number): string {
  const body = log.body !== null && log.body.type === 'string' ? bodyText.length : [log.body, bodyText.length];
  return JSON.stringify([
    String(log.timeUnixNano),
    String(log.observedTimeUnixNano),
    log.severityNumber,
    log.severityText,
    body,
    attributes,
    log.droppedAttributesCount,
    log.flags,
    log.eventName,
    resourceRef,
    scopeRef,
    log.traceId,
    log.spanId,
  ]);
}

/** The body field of a block line (see BlockLine), given the body's text. */
export function encodeBody(body: AttributeValue | null, bodyText: string): string {
  if (body !== null && body.type === 'string') return String(bodyText.length);
  return `[${JSON.stringify(body)},${bodyText.length}]`;
}

/** A block's lines without their bodies, for readers that need none of them. */
export function parseBlockLines(linesJson: string): ParsedLine[] {
  return JSON.parse(linesJson) as ParsedLine[];
}

/** A line's time: its event time, or its observed time when it has none (log-match.ts logTimeOf). */
export function lineTimeNs(line: ParsedLine): bigint {
  return BigInt(line[0] === '0' ? line[1] : line[0]);
}

/** A block's lines with their bodies, from its lines and bodies columns. */
export function decodeBlockLines(linesJson: string, bodies: string): DecodedLine[] {
  const lines = JSON.parse(linesJson) as BlockLine[];
  let offset = 0;
  for (const line of lines) {
    const field = line[4];
    const length = typeof field === 'number' ? field : field[1];
    const decoded = typeof field === 'number' ? { type: 'string' as const, value: bodies.slice(offset, offset + length) } : field[0];
    (line as unknown as DecodedLine)[4] = decoded;
    offset += length + 1;
  }
  return lines as unknown as DecodedLine[];
}

/**
 * One service's lines of one day on their way into blocks, column by column (no object per line: the
 * encoder runs on the HTTP event loop, where allocation costs collection time).
 */
export class LineRun {
  readonly tsNs: bigint[] = [];
  readonly observedNs: bigint[] = [];
  readonly severityBits: number[] = [];
  readonly lines: string[] = [];
  readonly bodyTexts: string[] = [];
  readonly traceIds: string[] = [];
  /**
   * The lines' record attribute tokens (log-attribute-index.ts) as key and value parts, line after line;
   * line i's end at tokenEnds[i].
   */
  readonly tokenKeys: string[] = [];
  readonly tokenValues: string[] = [];
  readonly tokenEnds: number[] = [];
  /** The tokens of each line's resource attributes: one array per resource, shared by its lines. */
  readonly resourceTokens: string[][] = [];

  constructor(readonly serviceName: string) {}

  /** Adds a line; its attributes feed the attribute index (the migration of old rows indexes none). */
  push(fields: LineFields, tsNs: bigint, encodedLine: string, bodyText: string, attributes: readonly Attribute[] = [], resourceTokens: string[] = []): void {
    this.tsNs.push(tsNs);
    this.observedNs.push(fields.observedTimeUnixNano);
    this.severityBits.push(severityBits(fields.severityNumber, fields.severityText));
    this.lines.push(encodedLine);
    this.bodyTexts.push(bodyText);
    this.traceIds.push(fields.traceId);
    for (const attribute of attributes) {
      this.tokenKeys.push(keyPart(attribute.key));
      this.tokenValues.push(valuePart(attribute.value));
    }
    this.tokenEnds.push(this.tokenKeys.length);
    this.resourceTokens.push(resourceTokens);
  }
}

/** A block ready to insert; its lines' resource and scope refs index the ids the writer gives it. */
export interface EncodedBlock {
  serviceName: string;
  minTsNs: bigint;
  maxTsNs: bigint;
  maxObservedNs: bigint;
  severityMask: number;
  lineCount: number;
  /** JSON array of BlockLine. */
  lines: string;
  /** The lines' body texts joined by '\n' (see BlockLine); also what the word index is given. */
  bodies: string;
  /** Distinct trace ids of the lines, hex. */
  traceIds: string[];
  /** The lines' distinct attribute index tokens, space-separated (log-attribute-index.ts). */
  attributeTokens: string;
}

/** A run's lines as blocks: sorted by time (stably), cut by count and by span. */
export function buildBlocks(run: LineRun): EncodedBlock[] {
  const order = timeOrder(run.tsNs);
  const blocks: EncodedBlock[] = [];
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    const limitNs = run.tsNs[order[start]] + MAX_BLOCK_SPAN_NS;
    while (end < order.length && end - start < MAX_LINES_PER_BLOCK && run.tsNs[order[end]] <= limitNs) end++;
    blocks.push(buildBlock(run, order.slice(start, end)));
    start = end;
  }
  return blocks;
}

/** Line indexes in time order; lines mostly arrive in it, so the sort (stable: ties keep arrival order) is rare. */
function timeOrder(tsNs: bigint[]): number[] {
  const order = Array.from(tsNs.keys());
  for (let i = 1; i < tsNs.length; i++) {
    if (tsNs[i] < tsNs[i - 1]) return order.sort((a, b) => (tsNs[a] < tsNs[b] ? -1 : tsNs[a] > tsNs[b] ? 1 : 0));
  }
  return order;
}

function buildBlock(run: LineRun, indexes: number[]): EncodedBlock {
  const traceIds = new Set<string>();
  const tokens = new BlockTokens();
  const resources = new Set<string[]>();
  const lines: string[] = [];
  const bodies: string[] = [];
  let maxObservedNs = run.observedNs[indexes[0]];
  let mask = 0;
  for (const i of indexes) {
    if (run.observedNs[i] > maxObservedNs) maxObservedNs = run.observedNs[i];
    mask |= run.severityBits[i];
    if (run.traceIds[i] !== '') traceIds.add(run.traceIds[i]);
    for (let t = i === 0 ? 0 : run.tokenEnds[i - 1]; t < run.tokenEnds[i]; t++) tokens.add(run.tokenKeys[t], run.tokenValues[t]);
    resources.add(run.resourceTokens[i]);
    bodies.push(run.bodyTexts[i]);
    lines.push(run.lines[i]);
  }
  for (const resourceTokens of resources) tokens.addTokens(resourceTokens);
  return {
    serviceName: run.serviceName,
    minTsNs: int64(run.tsNs[indexes[0]]),
    maxTsNs: int64(run.tsNs[indexes[indexes.length - 1]]),
    maxObservedNs: int64(maxObservedNs),
    severityMask: mask >>> 0,
    lineCount: indexes.length,
    lines: `[${lines.join(',')}]`,
    bodies: bodies.join('\n'),
    traceIds: [...traceIds],
    attributeTokens: tokens.toString(),
  };
}

/** A time for an SQLite INTEGER column; beyond int64 SQLite would refuse it, so refuse the batch up front. */
function int64(value: bigint): bigint {
  if (BigInt.asIntN(64, value) !== value) throw new RangeError(`time ${value} ns does not fit a 64-bit integer`);
  return value;
}

function jsonOfId(hex: string): string {
  return hex === '' ? '""' : JSON.stringify(hex);
}

/** JSON of texts that repeat (severity, event name), remembered; others stringified. */
const shortTextJson = new Map<string, string>();
const MAX_REMEMBERED_TEXTS = 1_000;

function jsonOfShortText(text: string): string {
  let json = shortTextJson.get(text);
  if (json === undefined) {
    json = JSON.stringify(text);
    if (text.length <= 16 && shortTextJson.size < MAX_REMEMBERED_TEXTS) shortTextJson.set(ownCopy(json), json);
  }
  return json;
}

/**
 * The text a JSON string literal holds, as a string of its own. Decoded texts may be substrings of a
 * window of the request (protobuf-reader.ts shareStrings); a cache key must not keep that alive.
 */
function ownCopy(json: string): string {
  return JSON.parse(json) as string;
}

export function lineIdOf(blockId: number, index: number): number {
  return blockId * LINE_ID_FACTOR + index;
}

export function blockOfLineId(lineId: number): { blockId: number; index: number } {
  return { blockId: Math.floor(lineId / LINE_ID_FACTOR), index: lineId % LINE_ID_FACTOR };
}

// Severity mask of a block: bit n when a line has severity number n (1-24), bit 0 when its number is 0 or
// outside the OTLP range, bit 25 + k when its severity text is level k of TEXT_LEVELS, case-insensitively.
// '=' also matches by text, so it needs the text bits; comparisons use the number, or the text when the
// number is 0, so they always include bit 0.
const TEXT_LEVELS = Object.keys(SEVERITY_LEVELS);
const TEXT_LEVEL_BIT = new Map(TEXT_LEVELS.map((level, k) => [level, 25 + k]));
const MAX_SEVERITY_NUMBER = 24;

/** The mask bits of one line's severity. */
export function severityBits(severityNumber: number, severityText: string): number {
  const numberBit = severityNumber >= 1 && severityNumber <= MAX_SEVERITY_NUMBER ? 2 ** severityNumber : 1;
  let textBit = textBits.get(severityText);
  if (textBit === undefined) {
    const level = TEXT_LEVEL_BIT.get(severityText.toLowerCase());
    textBit = level === undefined ? 0 : 2 ** level;
    if (textBits.size < MAX_REMEMBERED_TEXTS) textBits.set(ownCopy(JSON.stringify(severityText)), textBit);
  }
  return numberBit + textBit;
}

/** The text bit by severity text as written (few distinct spellings), so lines skip the lower-casing. */
const textBits = new Map<string, number>();

/**
 * Mask bits one of which a block must have for a line of it to match a severity node; undefined when
 * any block may match (an unknown level compared as text, or a number out of range).
 */
export function severityMaskOf(op: string, level: string): number | undefined {
  const range = SEVERITY_LEVELS[level.toLowerCase()];
  if (range === undefined) return undefined;
  let mask = 0;
  for (let n = 1; n <= MAX_SEVERITY_NUMBER; n++) if (numberSatisfies(op, n, range)) mask += 2 ** n;
  if (op === '=') return mask + 2 ** TEXT_LEVEL_BIT.get(level.toLowerCase())!;
  return mask + 1;
}

/** Whether all, none or some lines of a block may match a severity node, by the block's mask alone. */
export type BlockVerdict = 'all' | 'none' | 'some';

/** The mask bits of severity numbers 0-24 (bit 0: no number, or one outside the OTLP range). */
const NUMBER_BITS = 2 ** (MAX_SEVERITY_NUMBER + 1) - 1;

/**
 * What a block's severity mask says of a severity node (log-match.ts matchesSeverity). Each line sets
 * exactly one number bit, so when every number bit of the mask is a number that satisfies the node,
 * every line matches; bit 0 decides nothing (a comparison then falls back to the text).
 */
export function blockSeverityVerdict(op: string, level: string, blockMask: number): BlockVerdict {
  const required = severityMaskOf(op, level);
  // An unknown level: '=' compares the text, which the mask holds only for known levels; comparisons fail.
  if (required === undefined) return op === '=' ? 'some' : 'none';
  if ((blockMask & required) === 0) return 'none';
  const satisfying = required & NUMBER_BITS & ~1;
  return (blockMask & NUMBER_BITS & ~satisfying) === 0 ? 'all' : 'some';
}

function numberSatisfies(op: string, n: number, range: { min: number; max: number }): boolean {
  switch (op) {
    case '=':
      return n >= range.min && n <= range.max;
    case '>=':
      return n >= range.min;
    case '>':
      return n > range.max;
    case '<=':
      return n <= range.max;
    default:
      return n < range.min;
  }
}

/**
 * An FTS5 expression over block words that every block holding a line matching the node also matches,
 * or undefined when there is none. Blocks index words without positions, so a text becomes the AND of
 * its words (the phrase is checked per line); every word is quoted, so no user text is read as syntax.
 */
export function blockWordsExpressionOf(node: LogQuery): string | undefined {
  switch (node.type) {
    case 'text': {
      const words = wordsOf(node.text);
      if (words.length === 0) return undefined;
      const terms = words.map((word, i) => {
        const quoted = `"${word.replaceAll('"', '""')}"`;
        return node.prefix && i === words.length - 1 ? `${quoted}*` : quoted;
      });
      return terms.length === 1 ? terms[0] : `(${terms.join(' AND ')})`;
    }
    case 'or': {
      const parts = node.children.map(blockWordsExpressionOf);
      // An empty `or` matches nothing; leave it to the per-line check rather than emit `()`.
      return parts.length > 0 && parts.every((part) => part !== undefined) ? `(${parts.join(' OR ')})` : undefined;
    }
    case 'and': {
      const parts = node.children.map(blockWordsExpressionOf).filter((part) => part !== undefined);
      return parts.length === 0 ? undefined : `(${parts.join(' AND ')})`;
    }
    default:
      return undefined;
  }
}
