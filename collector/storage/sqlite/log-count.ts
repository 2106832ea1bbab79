// The SQLite log count (SqliteLogReader.countLogs) for one block at a time. A count visits every block of
// its window that may hold a match, so it reads as little of each as the query allows:
//   - nothing, when the block's metadata decides the query (a block holds one service's lines, and its
//     severity mask bounds their severities) and the block lies in one bucket: its line count is added;
//   - the body texts alone for text conditions, matched for the whole block at once (a pattern over the
//     bodies column, whose lines newlines separate), rather than splitting every body into words;
//   - the head of each line (times, severity) by a pattern over the lines column, for severity
//     conditions and for blocks that cross a bucket edge;
//   - the parsed lines only for trace or span ids and attributes, tested only on the lines the other
//     conditions left open.
// Text conditions are decided by a pattern equivalent to log-match.ts's words test (wordsPattern), every
// other condition by matchesLog itself, so a count finds exactly the lines a search does.
import type { LogRecord, Resource } from '../../model/model.js';
import type { LogHistogramQuery, LogQuery } from '../api.js';
import { logBodyText, matchesLog, wordsOf } from '../log-match.js';
import { decodeAttributes } from './codec.js';
import {
  blockSeverityVerdict,
  decodeBlockLines,
  lineTimeNs,
  parseBlockLines,
  type BlockVerdict,
  type DecodedLine,
  type ParsedLine,
} from './log-blocks.js';

const NS_PER_MS = 1_000_000n;

/** The window's buckets (LogHistogramQuery) and their counts. */
export class LogBuckets {
  readonly counts: number[];
  private readonly startNs: bigint;
  private readonly endNs: bigint;
  private readonly stepNs: bigint;

  constructor(query: LogHistogramQuery) {
    this.startNs = query.startUnixNano;
    this.endNs = query.endUnixNano;
    this.stepNs = BigInt(query.stepMs) * NS_PER_MS;
    const window = this.endNs - this.startNs;
    this.counts = new Array<number>(window > 0n ? Number((window + this.stepNs - 1n) / this.stepNs) : 0).fill(0);
  }

  /** Counts one line at this time when it is in the window. */
  addLine(tsNs: bigint): void {
    if (tsNs >= this.startNs && tsNs < this.endNs) this.counts[Number((tsNs - this.startNs) / this.stepNs)] += 1;
  }

  /** The bucket holding every time in [minNs, maxNs], or undefined when the range crosses a bucket or window edge. */
  bucketHolding(minNs: bigint, maxNs: bigint): number | undefined {
    if (minNs < this.startNs || maxNs >= this.endNs) return undefined;
    const first = (minNs - this.startNs) / this.stepNs;
    return first === (maxNs - this.startNs) / this.stepNs ? Number(first) : undefined;
  }
}

/** What the count knows of a block before reading its lines. */
export interface BlockFacts {
  serviceName: string;
  /** log-blocks.ts severityBits of every line, OR-ed. */
  severityMask: number;
}

/**
 * Whether every line of the block matches the query ('all'), none does ('none'), or its lines must be
 * read ('some'). Exact where it answers 'all' or 'none'.
 */
export function blockVerdict(query: LogQuery | null, block: BlockFacts): BlockVerdict {
  if (query === null) return 'all';
  switch (query.type) {
    case 'and':
      return combine(query.children.map((child) => blockVerdict(child, block)), 'none', 'all');
    case 'or':
      return combine(query.children.map((child) => blockVerdict(child, block)), 'all', 'none');
    case 'not': {
      const verdict = blockVerdict(query.child, block);
      return verdict === 'all' ? 'none' : verdict === 'none' ? 'all' : 'some';
    }
    case 'text':
      return wordsOf(query.text).length === 0 ? 'all' : 'some';
    case 'field': {
      if (query.field !== 'service') return 'some';
      const service = block.serviceName.toLowerCase();
      const value = query.value.toLowerCase();
      return (query.prefix ? service.startsWith(value) : service === value) ? 'all' : 'none';
    }
    case 'severity':
      return blockSeverityVerdict(query.op, query.level, block.severityMask);
  }
}

/** `decisive` when any child is; `neutral` when all are (or there are none); else 'some'. */
function combine(verdicts: BlockVerdict[], decisive: BlockVerdict, neutral: BlockVerdict): BlockVerdict {
  if (verdicts.includes(decisive)) return decisive;
  return verdicts.every((verdict) => verdict === neutral) ? neutral : 'some';
}

/** A block as listed, before any of its lines are read. */
export interface CountedBlock {
  minTsNs: bigint;
  maxTsNs: bigint;
  lineCount: number;
  facts: BlockFacts;
}

/** The block's columns, each read from the store on first use. */
export interface BlockColumns {
  lines(): string;
  bodies(): string;
  /** The resource a line's resource ref names in this block. */
  resource(resourceRef: number): Resource;
}

/** Adds the block's lines that match the query to the buckets. */
export function countBlock(buckets: LogBuckets, block: CountedBlock, columns: BlockColumns, query: LogQuery | null): void {
  const verdict = blockVerdict(query, block.facts);
  if (verdict === 'none') return;
  const bucket = buckets.bucketHolding(block.minTsNs, block.maxTsNs);
  if (verdict === 'all' && bucket !== undefined) {
    buckets.counts[bucket] += block.lineCount;
    return;
  }
  const lines = new BlockLines(block, columns);
  const matched = verdict === 'all' ? undefined : lines.evaluate(query!, new Uint8Array(block.lineCount).fill(1));
  if (bucket !== undefined && matched !== undefined) {
    buckets.counts[bucket] += matched.reduce((sum, flag) => sum + flag, 0);
    return;
  }
  const times = lines.times();
  for (let i = 0; i < times.length; i++) if (matched === undefined || matched[i] === 1) buckets.addLine(times[i]);
}

/** The start of each line: its time, observed time, severity number and text (log-blocks.ts BlockLine). */
const LINE_HEAD = /\["(-?\d+)","(-?\d+)",(-?\d+),"((?:[^"\\]|\\.)*)",/g;

interface LineHeads {
  times: string[];
  observedTimes: string[];
  severityNumbers: number[];
  severityTexts: string[];
}

/** Per-line flags: 1 where the line matches. */
type LineFlags = Uint8Array;

/** One block's lines, decoded part by part as the query asks for them. */
class BlockLines {
  private heads: LineHeads | null | undefined;
  private parsed: ParsedLine[] | undefined;
  private decoded: DecodedLine[] | undefined;

  constructor(
    private readonly block: CountedBlock,
    private readonly columns: BlockColumns,
  ) {}

  /**
   * Which lines match the node, decided for the lines flagged in `only`; the flags of other lines are
   * left unspecified, so conditions already settled for a line are not evaluated for it again.
   */
  evaluate(node: LogQuery, only: LineFlags): LineFlags {
    const verdict = blockVerdict(node, this.block.facts);
    if (verdict !== 'some') return new Uint8Array(this.block.lineCount).fill(verdict === 'all' ? 1 : 0);
    switch (node.type) {
      case 'and': {
        let open = only;
        for (const child of cheapestFirst(node.children)) open = and(open, this.evaluate(child, open));
        return open;
      }
      case 'or': {
        const found = new Uint8Array(this.block.lineCount);
        for (const child of cheapestFirst(node.children)) {
          const matched = this.evaluate(child, and(only, not(found)));
          for (let i = 0; i < found.length; i++) found[i] |= matched[i] & only[i];
        }
        return found;
      }
      case 'not':
        return not(this.evaluate(node.child, only));
      case 'text':
        return this.textMatches(wordsOf(node.text), node.prefix);
      default:
        return this.fieldMatches(node, only);
    }
  }

  /** Each line's time (log-match.ts logTimeOf). */
  times(): bigint[] {
    const heads = this.lineHeads();
    if (heads === undefined) return this.parsedLines().map(lineTimeNs);
    return heads.times.map((time, i) => BigInt(time === '0' ? heads.observedTimes[i] : time));
  }

  /**
   * A text condition for every line: its words consecutive among the words of the line's body text.
   * Over the bodies column when newlines separate its texts exactly (no body holds a newline), which
   * one pattern search covers; otherwise line by line from the decoded bodies.
   */
  private textMatches(words: string[], prefix: boolean): LineFlags {
    const flags = new Uint8Array(this.block.lineCount);
    const bodies = this.columns.bodies();
    if (countNewlines(bodies) !== this.block.lineCount - 1) {
      const pattern = wordsPattern(words, prefix, { ascii: false, lines: false });
      this.decodedLines().forEach((line, i) => {
        flags[i] = pattern.test(logBodyText({ body: line[4] }).toLowerCase()) ? 1 : 0;
      });
      return flags;
    }
    // Text and words wholly ASCII: the words test needs no lower-casing, a case-insensitive ASCII pattern
    // decides it. Otherwise lower-case first, as log-match.ts does (which may change the text's length).
    const ascii = isAscii(bodies) && words.every(isAscii);
    const text = ascii ? bodies : bodies.toLowerCase();
    const starts = lineStarts(text);
    const pattern = wordsPattern(words, prefix, { ascii, lines: true });
    let line = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      while (line + 1 < starts.length && starts[line + 1] <= match.index) line++;
      flags[line] = 1;
      if (line + 1 === starts.length) break;
      // One match decides the line: go on from the next one.
      pattern.lastIndex = starts[line + 1];
    }
    return flags;
  }

  /** A condition other than text, by matchesLog over the parts of each open line that it reads. */
  private fieldMatches(node: LogQuery, only: LineFlags): LineFlags {
    const flags = new Uint8Array(this.block.lineCount);
    const heads = node.type === 'severity' ? this.lineHeads() : undefined;
    const record = { ...EMPTY_RECORD, serviceName: this.block.facts.serviceName };
    if (heads !== undefined) {
      for (let i = 0; i < flags.length; i++) {
        if (only[i] === 0) continue;
        record.severityNumber = heads.severityNumbers[i];
        record.severityText = heads.severityTexts[i];
        flags[i] = matchesLog(node, record) ? 1 : 0;
      }
      return flags;
    }
    const lines = this.parsedLines();
    const attributes = readsAttributes(node);
    for (let i = 0; i < flags.length; i++) {
      if (only[i] === 0) continue;
      const line = lines[i];
      record.severityNumber = line[2];
      record.severityText = line[3];
      record.traceId = line[11];
      record.spanId = line[12];
      record.attributes = attributes ? decodeAttributes(line[5]) : [];
      record.resource = attributes ? this.columns.resource(line[9]) : EMPTY_RECORD.resource;
      flags[i] = matchesLog(node, record) ? 1 : 0;
    }
    return flags;
  }

  /** The heads of the lines; undefined when the pattern does not find exactly one per line. */
  private lineHeads(): LineHeads | undefined {
    if (this.heads !== undefined) return this.heads ?? undefined;
    const heads: LineHeads = { times: [], observedTimes: [], severityNumbers: [], severityTexts: [] };
    const lines = this.columns.lines();
    LINE_HEAD.lastIndex = 0;
    for (let match = LINE_HEAD.exec(lines); match !== null; match = LINE_HEAD.exec(lines)) {
      heads.times.push(match[1]);
      heads.observedTimes.push(match[2]);
      heads.severityNumbers.push(Number(match[3]));
      heads.severityTexts.push(match[4].includes('\\') ? (JSON.parse(`"${match[4]}"`) as string) : match[4]);
    }
    // Every line starts so; the count shows nothing inside a line (an attribute) was taken for a start.
    this.heads = heads.times.length === this.block.lineCount ? heads : null;
    return this.heads ?? undefined;
  }

  private parsedLines(): ParsedLine[] {
    this.parsed ??= this.decoded ?? parseBlockLines(this.columns.lines());
    return this.parsed;
  }

  private decodedLines(): DecodedLine[] {
    this.decoded ??= decodeBlockLines(this.columns.lines(), this.columns.bodies());
    return this.decoded;
  }
}

/** A record for matchesLog with only what a condition reads set (the fields no condition reads stay empty). */
const EMPTY_RECORD: LogRecord = {
  timeUnixNano: 0n,
  observedTimeUnixNano: 0n,
  severityNumber: 0,
  severityText: '',
  body: null,
  attributes: [],
  droppedAttributesCount: 0,
  flags: 0,
  traceId: '',
  spanId: '',
  eventName: '',
  serviceName: '',
  resource: { attributes: [], droppedAttributesCount: 0 },
  scope: { name: '', version: '', attributes: [] },
};

/** Whether matching the node reads attributes (a field other than service, trace_id and span_id). */
function readsAttributes(node: LogQuery): boolean {
  return node.type === 'field' && node.field !== 'service' && node.field !== 'trace_id' && node.field !== 'span_id';
}

/** Conditions decided by text, severity or service before those that parse lines. */
function cheapestFirst(children: LogQuery[]): LogQuery[] {
  const costly = (node: LogQuery): boolean => {
    if (node.type === 'and' || node.type === 'or') return node.children.some(costly);
    if (node.type === 'not') return costly(node.child);
    return node.type === 'field' && node.field !== 'service';
  };
  return [...children.filter((child) => !costly(child)), ...children.filter(costly)];
}

function and(a: LineFlags, b: LineFlags): LineFlags {
  return a.map((flag, i) => flag & b[i]);
}

function not(flags: LineFlags): LineFlags {
  return flags.map((flag) => flag ^ 1);
}

const WORD_CHARACTER = '[\\p{L}\\p{N}\\p{Co}]';
const SEPARATOR = '[^\\p{L}\\p{N}\\p{Co}]';

/**
 * A pattern found in a lower-cased text wherever its words hold the given words consecutively
 * (log-match.ts splits words at runs of separators); with prefix the last word may continue. Words are
 * made of word characters only, none of them special in a pattern. With `ascii`, for an ASCII text and
 * ASCII words: ASCII classes, and any case. With `lines`, for texts joined by newlines: a match stays
 * within one of them.
 */
export function wordsPattern(words: string[], prefix: boolean, options: { ascii: boolean; lines: boolean }): RegExp {
  const newline = options.lines ? '\\n' : '';
  const word = options.ascii ? '[A-Za-z0-9]' : WORD_CHARACTER;
  const separator = options.ascii ? `[^A-Za-z0-9${newline}]` : options.lines ? `[^\\p{L}\\p{N}\\p{Co}${newline}]` : SEPARATOR;
  const body = words.join(`${separator}+`);
  const flags = options.ascii ? 'gi' : 'gu';
  return new RegExp(`(?<!${word})${body}${prefix ? '' : `(?!${word})`}`, options.lines ? flags : flags.replace('g', ''));
}

function isAscii(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') === text.length;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** Offsets where each newline-separated line of the text starts. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}
