// A parser for the Prometheus text exposition format 0.0.4 ("Exposition formats" in the Prometheus
// docs): `# HELP` and `# TYPE` lines, samples `name{label="value",...} value [timestamp_ms]`, label values
// with `\\`, `\"` and `\n` escapes, and the float spellings `+Inf`, `-Inf` and `NaN`. Like Prometheus, any
// malformed line fails the whole scrape. Samples are grouped into families by their TYPE line, including
// the suffixed series of histograms (`_bucket`, `_sum`, `_count`) and summaries (`_sum`, `_count`).
// OpenMetrics' `_total` and `_created` suffixes are accepted too, in case a target ignores our Accept header.

export type PrometheusType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PrometheusSample {
  /** The series name as exposed, suffix included (`http_request_duration_seconds_bucket`). */
  name: string;
  /** In exposition order. */
  labels: Array<[string, string]>;
  value: number;
  timestampMs: number | undefined;
}

export interface PrometheusFamily {
  name: string;
  type: PrometheusType;
  help: string;
  samples: PrometheusSample[];
}

export class PrometheusParseError extends Error {
  override name = 'PrometheusParseError';
}

const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Readonly<Record<PrometheusType, readonly string[]>> = {
  counter: ['_total', '_created'],
  gauge: [],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['_sum', '_count', '_created'],
  untyped: [],
};
const ALL_SUFFIXES: readonly string[] = ['_total', '_created', '_bucket', '_sum', '_count'];
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** The families of an exposition, in the order they first appear; throws PrometheusParseError. */
export function parsePrometheusText(text: string): PrometheusFamily[] {
  const families = new Map<string, PrometheusFamily>();
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.replace(/\r$/, '').trim();
    if (line === '') continue;
    try {
      if (line.startsWith('#')) readComment(line, families);
      else addSample(parseSampleLine(line), families);
    } catch (error) {
      if (error instanceof PrometheusParseError) {
        throw new PrometheusParseError(`line ${index + 1}: ${error.message}`);
      }
      throw error;
    }
  }
  return [...families.values()];
}

function familyNamed(name: string, families: Map<string, PrometheusFamily>): PrometheusFamily {
  let family = families.get(name);
  if (family === undefined) {
    family = { name, type: 'untyped', help: '', samples: [] };
    families.set(name, family);
  }
  return family;
}

/** `# HELP name text` and `# TYPE name type`; any other comment is ignored. */
function readComment(line: string, families: Map<string, PrometheusFamily>): void {
  const match = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
  if (match === null) return;
  const [, keyword, name, rest = ''] = match;
  const family = familyNamed(name!, families);
  if (keyword === 'HELP') {
    family.help = unescapeHelp(rest);
    return;
  }
  const type = rest.trim();
  if (!TYPES.has(type)) throw new PrometheusParseError(`unknown metric type "${type}" for ${name}`);
  if (family.samples.length > 0) throw new PrometheusParseError(`TYPE for ${name} after its samples`);
  family.type = type as PrometheusType;
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, char: string) => (char === 'n' ? '\n' : '\\'));
}

/** A sample joins the family of its own name, else a typed family whose suffixed series it is. */
function addSample(sample: PrometheusSample, families: Map<string, PrometheusFamily>): void {
  const own = families.get(sample.name);
  if (own !== undefined) {
    own.samples.push(sample);
    return;
  }
  for (const suffix of ALL_SUFFIXES) {
    if (!sample.name.endsWith(suffix)) continue;
    const family = families.get(sample.name.slice(0, -suffix.length));
    if (family !== undefined && SUFFIXES[family.type].includes(suffix)) {
      family.samples.push(sample);
      return;
    }
  }
  familyNamed(sample.name, families).samples.push(sample);
}

/** Reads one sample line with a small cursor, since label values may hold any character. */
function parseSampleLine(line: string): PrometheusSample {
  const cursor = { text: line, position: 0 };
  const name = take(cursor, METRIC_NAME, 'metric name');
  skipSpaces(cursor);
  const labels = cursor.text[cursor.position] === '{' ? readLabels(cursor) : [];
  const fields = cursor.text.slice(cursor.position).trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === '') {
    throw new PrometheusParseError(`expected a value and an optional timestamp after ${name}`);
  }
  const value = parsePrometheusFloat(fields[0]!);
  if (value === undefined) throw new PrometheusParseError(`invalid value "${fields[0]}" for ${name}`);
  let timestampMs: number | undefined;
  if (fields[1] !== undefined) {
    if (!/^-?\d+$/.test(fields[1])) throw new PrometheusParseError(`invalid timestamp "${fields[1]}" for ${name}`);
    timestampMs = Number(fields[1]);
  }
  return { name, labels, value, timestampMs };
}

interface Cursor {
  text: string;
  position: number;
}

function take(cursor: Cursor, pattern: RegExp, what: string): string {
  const match = pattern.exec(cursor.text.slice(cursor.position));
  if (match === null) throw new PrometheusParseError(`expected ${what} at column ${cursor.position + 1}`);
  cursor.position += match[0].length;
  return match[0];
}

function skipSpaces(cursor: Cursor): void {
  while (cursor.text[cursor.position] === ' ' || cursor.text[cursor.position] === '\t') cursor.position++;
}

function expect(cursor: Cursor, char: string): void {
  if (cursor.text[cursor.position] !== char) {
    throw new PrometheusParseError(`expected '${char}' at column ${cursor.position + 1}`);
  }
  cursor.position++;
}

function readLabels(cursor: Cursor): Array<[string, string]> {
  const labels: Array<[string, string]> = [];
  expect(cursor, '{');
  for (;;) {
    skipSpaces(cursor);
    if (cursor.text[cursor.position] === '}') break;
    const name = take(cursor, LABEL_NAME, 'label name');
    if (labels.some(([existing]) => existing === name)) throw new PrometheusParseError(`duplicate label ${name}`);
    skipSpaces(cursor);
    expect(cursor, '=');
    skipSpaces(cursor);
    labels.push([name, readQuoted(cursor)]);
    skipSpaces(cursor);
    if (cursor.text[cursor.position] !== ',') break;
    cursor.position++;
  }
  expect(cursor, '}');
  return labels;
}

function readQuoted(cursor: Cursor): string {
  expect(cursor, '"');
  let value = '';
  for (;;) {
    const char = cursor.text[cursor.position++];
    if (char === undefined) throw new PrometheusParseError('unterminated label value');
    if (char === '"') return value;
    if (char !== '\\') {
      value += char;
      continue;
    }
    const escaped = cursor.text[cursor.position++];
    if (escaped === undefined) throw new PrometheusParseError('unterminated label value');
    value += escaped === 'n' ? '\n' : escaped === '\\' || escaped === '"' ? escaped : `\\${escaped}`;
  }
}

/** Go's ParseFloat as Prometheus uses it: decimal and exponent forms, `Inf`/`+Inf`/`-Inf`, `NaN`. */
export function parsePrometheusFloat(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case '+inf':
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case 'nan':
      return NaN;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}
