// Alert label and annotation templates: the part of Go's text/template that Prometheus rule files use,
// with Prometheus' template functions. Like Prometheus (rules/alerting.go), the template text is prefixed
// with definitions of $labels, $externalLabels, $externalURL and $value, and parsed as one template, so
// parse errors, positions and variable scoping come out as Prometheus reports them. Values keep Go's
// types (string, float64, int, bool, map[string]string), because Go's functions and comparisons depend on
// them: `gt $value 10` fails in Prometheus ("incompatible types for comparison"), `gt $value 10.0` works.

import type { Labels, TemplateData, TemplateExpander } from './model.js';

/** What Prometheus prepends to every alert template (rules/alerting.go). */
const PROMETHEUS_DEFS =
  '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

/** A template that did not parse; the message is Go's `template: <name>:<line>: <reason>`. */
export class TemplateParseError extends Error {
  override name = 'TemplateParseError';
}

// ---------------------------------------------------------------------------------------------------
// Values

/** The `.` of an alert template: Prometheus' AlertTemplateData. */
class AlertData {
  constructor(readonly data: TemplateData) {}
}

/** A Go map[string]string ($labels, $externalLabels). */
class LabelMap {
  constructor(readonly labels: Labels) {}
}

/** Go values: string, float64 (number), int (bigint), bool, nil (null), maps and the template data. */
type Value = string | number | bigint | boolean | null | LabelMap | AlertData;

const ALERT_DATA_TYPE =
  'struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }';

function goTypeName(value: Value): string {
  if (value === null) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'float64';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof LabelMap) return 'map[string]string';
  return ALERT_DATA_TYPE;
}

// ---------------------------------------------------------------------------------------------------
// Go's number formatting (strconv.FormatFloat and fmt), which Prometheus' output depends on.

/** A non-negative number as decimal digits (no trailing zeros) and the decimal point position. */
interface Decimal {
  digits: string;
  point: number;
}

/** The exact decimal value of a finite double, from its bits. */
function exactDecimal(x: number): Decimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biasedExponent === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biasedExponent === 0 ? 1 : biasedExponent) - 1075;
  if (mantissa === 0n) return { digits: '', point: 0 };
  let digits: string;
  let point: number;
  if (exponent >= 0) {
    digits = (mantissa << BigInt(exponent)).toString();
    point = digits.length;
  } else {
    digits = (mantissa * 5n ** BigInt(-exponent)).toString();
    point = digits.length + exponent;
  }
  return trimZeros({ digits, point });
}

/** The shortest decimal that reads back as x; JavaScript and Go choose the same digits. */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', point: 0 };
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e');
  return trimZeros({ digits: mantissa!.replace('.', ''), point: Number(exponent) + 1 });
}

function trimZeros(d: Decimal): Decimal {
  const digits = d.digits.replace(/0+$/, '');
  return { digits, point: digits === '' ? 0 : d.point };
}

/** Rounds to `count` digits, ties to even on the exact value, as Go's strconv decimal.Round does. */
function roundDecimal(d: Decimal, count: number): Decimal {
  if (count < 0 || count >= d.digits.length) return d;
  const next = d.digits.charCodeAt(count) - 48;
  const exactHalf = next === 5 && count + 1 === d.digits.length;
  const previousOdd = count > 0 && (d.digits.charCodeAt(count - 1) - 48) % 2 === 1;
  const up = next > 5 || (next === 5 && (!exactHalf || previousOdd));
  if (!up) return trimZeros({ digits: d.digits.slice(0, count), point: d.point });
  let i = count - 1;
  while (i >= 0 && d.digits[i] === '9') i--;
  if (i < 0) return { digits: '1', point: d.point + 1 };
  const digits = d.digits.slice(0, i) + String(Number(d.digits[i]) + 1);
  return trimZeros({ digits, point: d.point });
}

function digitAt(d: Decimal, i: number): string {
  return i >= 0 && i < d.digits.length ? d.digits[i]! : '0';
}

function formatE(d: Decimal, precision: number, upper: boolean): string {
  let out = d.digits === '' ? '0' : d.digits[0]!;
  if (precision > 0) {
    out += '.';
    for (let i = 1; i <= precision; i++) out += digitAt(d, i);
  }
  const exponent = d.digits === '' ? 0 : d.point - 1;
  const magnitude = String(Math.abs(exponent)).padStart(2, '0');
  return `${out}${upper ? 'E' : 'e'}${exponent < 0 ? '-' : '+'}${magnitude}`;
}

function formatF(d: Decimal, precision: number): string {
  let out = d.point > 0 ? '' : '0';
  for (let i = 0; i < d.point; i++) out += digitAt(d, i);
  if (precision > 0) {
    out += '.';
    for (let i = 0; i < precision; i++) out += digitAt(d, d.point + i);
  }
  return out;
}

/** Go's strconv.FormatFloat(x, verb, precision, 64); precision -1 means shortest. */
export function formatGoFloat(x: number, verb: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', precision: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const shortest = precision < 0;
  const lower = verb.toLowerCase();
  let d = shortest ? shortestDecimal(x) : exactDecimal(x);
  if (!shortest) {
    if (lower === 'e') d = roundDecimal(d, precision + 1);
    else if (lower === 'f') d = roundDecimal(d, d.point + precision);
    else d = roundDecimal(d, precision === 0 ? 1 : precision);
  }
  if (lower === 'e') return sign + formatE(d, shortest ? Math.max(d.digits.length - 1, 0) : precision, verb === 'E');
  if (lower === 'f') return sign + formatF(d, shortest ? Math.max(d.digits.length - d.point, 0) : precision);
  return sign + formatG(d, shortest ? -1 : precision === 0 ? 1 : precision, verb === 'G');
}

function formatG(d: Decimal, precision: number, upper: boolean): string {
  const count = d.digits.length;
  let limit = precision;
  if (limit > count && count >= d.point) limit = count;
  if (precision < 0) limit = 6;
  const exponent = d.point - 1;
  let shown = precision < 0 ? count : precision;
  if (exponent < -4 || exponent >= limit) {
    if (shown > count) shown = count;
    return formatE(d, Math.max(shown - 1, 0), upper);
  }
  if (shown > d.point) shown = count;
  return formatF(d, Math.max(shown - d.point, 0));
}

/** Go's fmt %v. */
function formatValue(value: Value): string {
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatGoFloat(value, 'g', -1);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof LabelMap) return formatMap(value.labels);
  const d = value.data;
  return `{${formatMap(d.labels)} ${formatMap(d.externalLabels)} ${d.externalURL} ${formatValue(d.value)}}`;
}

function formatMap(labels: Labels): string {
  const entries = Object.keys(labels)
    .sort()
    .map((key) => `${key}:${labels[key]}`);
  return `map[${entries.join(' ')}]`;
}

/** Go's strconv.Quote. */
function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const escape = GO_ESCAPES[char];
    if (escape) out += escape;
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code < 0x80) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(char)) out += char;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

const GO_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

// ---------------------------------------------------------------------------------------------------
// printf: Go's fmt verbs for the value types templates produce.

interface Directive {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  precision: number | undefined;
  verb: string;
}

function goSprintf(format: string, args: Value[]): string {
  let out = '';
  let argIndex = 0;
  const pattern = /%([-+ 0#]*)(\d+)?(?:\.(\d*))?(.?)/gsy;
  let last = 0;
  for (let at = format.indexOf('%'); at >= 0; at = format.indexOf('%', last)) {
    out += format.slice(last, at);
    pattern.lastIndex = at;
    const match = pattern.exec(format)!;
    last = pattern.lastIndex;
    const [, flags = '', width, precision, verb = ''] = match;
    if (verb === '') {
      out += '%!(NOVERB)';
      continue;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const directive: Directive = {
      minus: flags.includes('-'),
      plus: flags.includes('+'),
      space: flags.includes(' '),
      zero: flags.includes('0') && !flags.includes('-'),
      width: width === undefined ? undefined : Number(width),
      precision: precision === undefined ? undefined : Number(precision || '0'),
      verb,
    };
    out += formatDirective(directive, args[argIndex++]!);
  }
  out += format.slice(last);
  if (argIndex < args.length) {
    const extra = args.slice(argIndex).map((arg) => `${goTypeName(arg)}=${formatValue(arg)}`);
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

function formatDirective(d: Directive, arg: Value): string {
  const body = formatArgument(d, arg);
  if (body === undefined) return `%!${d.verb}(${goTypeName(arg)}=${formatValue(arg)})`;
  return pad(d, body, typeof arg === 'number' || typeof arg === 'bigint');
}

function formatArgument(d: Directive, arg: Value): string | undefined {
  if (typeof arg === 'number') return formatFloatVerb(d, arg);
  if (typeof arg === 'bigint') return formatIntVerb(d, arg);
  if (typeof arg === 'string') return formatStringVerb(d, arg);
  if (typeof arg === 'boolean') return d.verb === 't' || d.verb === 'v' ? String(arg) : undefined;
  if (arg === null) return d.verb === 'v' ? '<nil>' : undefined;
  return d.verb === 'v' || d.verb === 's' ? formatValue(arg) : undefined;
}

function formatFloatVerb(d: Directive, x: number): string | undefined {
  const verb = d.verb === 'v' ? 'g' : d.verb;
  if (!'eEfFgG'.includes(verb)) return undefined;
  const precision = d.precision ?? (verb === 'g' || verb === 'G' ? -1 : 6);
  const text = formatGoFloat(x, verb as 'e', precision);
  return signed(d, text);
}

function formatIntVerb(d: Directive, n: bigint): string | undefined {
  const radix: Record<string, number> = { d: 10, v: 10, x: 16, X: 16, o: 8, b: 2 };
  if (d.verb === 'c') return String.fromCodePoint(Number(n));
  if (d.verb === 'q') return goQuote(String.fromCodePoint(Number(n))).replace(/^"|"$/g, "'");
  const base = radix[d.verb];
  if (base === undefined) return undefined;
  const magnitude = (n < 0n ? -n : n).toString(base);
  const digits = d.verb === 'X' ? magnitude.toUpperCase() : magnitude;
  return signed(d, (n < 0n ? '-' : '') + digits);
}

function formatStringVerb(d: Directive, s: string): string | undefined {
  const text = d.precision === undefined ? s : [...s].slice(0, d.precision).join('');
  if (d.verb === 's' || d.verb === 'v') return text;
  if (d.verb === 'q') return goQuote(text);
  if (d.verb === 'x' || d.verb === 'X') {
    const hex = Buffer.from(text, 'utf8').toString('hex');
    return d.verb === 'X' ? hex.toUpperCase() : hex;
  }
  return undefined;
}

function signed(d: Directive, text: string): string {
  if (text.startsWith('-') || text === 'NaN' || text.startsWith('+')) return text;
  if (d.plus) return `+${text}`;
  return d.space ? ` ${text}` : text;
}

function pad(d: Directive, body: string, numeric: boolean): string {
  const length = [...body].length;
  if (d.width === undefined || length >= d.width) return body;
  const fill = d.width - length;
  if (d.minus) return body + ' '.repeat(fill);
  if (d.zero && numeric && /^[-+ ]?\d/.test(body)) {
    const sign = /^[-+ ]/.test(body) ? body[0]! : '';
    return sign + '0'.repeat(fill) + body.slice(sign.length);
  }
  return ' '.repeat(fill) + body;
}

// ---------------------------------------------------------------------------------------------------
// Prometheus' template functions (template/template.go).

class FunctionError extends Error {}

function toFloat(value: Value): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return parseGoFloat(value);
  throw new FunctionError(`can't convert ${goTypeName(value)} to float`);
}

/** Go's strconv.ParseFloat(s, 64), which Prometheus uses to turn label values into numbers. */
function parseGoFloat(text: string): number {
  const plain = text.replace(/_/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(plain)) return plain.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(plain)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(plain)) return Number(plain);
  if (/^[+-]?0x[0-9a-f]+$/i.test(plain)) return Number(plain.replace(/^([+-]?)0x/i, '$10x'));
  throw new FunctionError(`strconv.ParseFloat: parsing ${goQuote(text)}: invalid syntax`);
}

const SI_LARGE = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SI_SMALL = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

function g4(x: number): string {
  return formatGoFloat(x, 'g', 4);
}

function scaleDown(value: number, base: number, prefixes: string[]): [number, string] {
  let v = value;
  let prefix = '';
  for (const p of prefixes) {
    if (Math.abs(v) < base) break;
    prefix = p;
    v /= base;
  }
  return [v, prefix];
}

function scaleUp(value: number): [number, string] {
  let v = value;
  let prefix = '';
  for (const p of SI_SMALL) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return [v, prefix];
}

function humanize(value: Value): string {
  const v = toFloat(value);
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  const [scaled, prefix] = Math.abs(v) >= 1 ? scaleDown(v, 1000, SI_LARGE) : scaleUp(v);
  return g4(scaled) + prefix;
}

function humanize1024(value: Value): string {
  const v = toFloat(value);
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  const [scaled, prefix] = scaleDown(v, 1024, ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']);
  return g4(scaled) + prefix;
}

function humanizeDuration(value: Value): string {
  const v = toFloat(value);
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return `${g4(v)}s`;
  if (Math.abs(v) < 1) {
    const [scaled, prefix] = scaleUp(v);
    return `${g4(scaled)}${prefix}s`;
  }
  const sign = v < 0 ? '-' : '';
  const total = Math.trunc(Math.abs(v));
  const seconds = total % 60;
  const minutes = Math.trunc(total / 60) % 60;
  const hours = Math.trunc(total / 3600) % 24;
  const days = Math.trunc(total / 86400);
  if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
  if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
  if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
  return `${sign}${g4(Math.abs(v))}s`;
}

function humanizePercentage(value: Value): string {
  return `${g4(toFloat(value) * 100)}%`;
}

const MAX_INT64 = 9223372036854775807;

/** Go's time.Time.String() of the UTC time, at Prometheus' millisecond precision. */
function humanizeTimestamp(value: Value): string {
  const v = toFloat(value);
  if (!Number.isFinite(v)) return g4(v);
  const nanos = v * 1e9;
  if (nanos > MAX_INT64 || nanos < -MAX_INT64) {
    throw new FunctionError(`${formatValue(v)} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  const ms = Number(BigInt(Math.trunc(nanos)) / 1_000_000n);
  const iso = new Date(ms).toISOString();
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}

/** Go's strings.Title: upper-cases the first letter of each word. */
function title(text: string): string {
  let out = '';
  let previous = ' ';
  for (const char of text) {
    out += isTitleSeparator(previous) ? char.toUpperCase() : char;
    previous = char;
  }
  return out;
}

function isTitleSeparator(char: string): boolean {
  if (char.charCodeAt(0) < 0x80) return !/[A-Za-z0-9_]/.test(char);
  if (/[\p{L}\p{N}]/u.test(char)) return false;
  return /\s/u.test(char);
}

/** Go regexps are RE2; JavaScript's agree on the syntax rule annotations use, once RE2's (?P<name>) is renamed. */
function compileRegexp(pattern: string): RegExp {
  try {
    return new RegExp(pattern.replace(/\(\?P</g, '(?<'), 'gu');
  } catch (error) {
    throw new FunctionError(`error parsing regexp: ${(error as Error).message}`);
  }
}

function reReplaceAll(pattern: Value, replacement: Value, text: Value): string {
  // Go expands $1 and ${1} (and ${name}); JavaScript needs $<name> for names.
  const jsReplacement = (replacement as string).replace(/\$\{(\d+)\}/g, '$$$1').replace(/\$\{(\w+)\}/g, '$$<$1>');
  return (text as string).replace(compileRegexp(pattern as string), jsReplacement);
}

function match(pattern: Value, text: Value): boolean {
  const re = compileRegexp(pattern as string);
  return re.test(text as string);
}

function stripPort(hostPort: Value): string {
  const text = hostPort as string;
  const bracketed = /^\[([^\]]*)\]:\d*$/.exec(text);
  if (bracketed) return bracketed[1]!;
  const colon = text.lastIndexOf(':');
  if (colon < 0 || text.indexOf(':') !== colon) return text;
  return text.slice(0, colon);
}

function parseDurationSeconds(text: Value): number {
  const ms = parseRuleDurationMs(text as string);
  if (ms === undefined) throw new FunctionError(`not a valid duration string: ${goQuote(text as string)}`);
  return ms / 1000;
}

const DURATION_PATTERN = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/**
 * Prometheus' duration syntax (prometheus/common model.ParseDuration): units y w d h m s ms in that order,
 * or a bare `0`. Returns milliseconds, or undefined when the text is not a duration.
 */
export function parseRuleDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  const match = text === '' ? null : DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  return DURATION_UNITS_MS.reduce((total, unitMs, i) => total + Number(match[i + 1] ?? 0) * unitMs, 0);
}

function graphLink(expr: Value): string {
  return `/graph?g0.expr=${goQueryEscape(expr as string)}&g0.tab=0`;
}

function tableLink(expr: Value): string {
  return `/graph?g0.expr=${goQueryEscape(expr as string)}&g0.tab=1`;
}

/** Go's url.QueryEscape. */
function goQueryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function htmlEscape(text: string): string {
  const entities: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD' };
  return text.replace(/[<>&'"\0]/g, (c) => entities[c]!);
}

// ---------------------------------------------------------------------------------------------------
// Go's built-in template functions that rule templates use.

/** Go's fmt.Sprint: a space between operands when neither is a string. */
function goSprint(args: Value[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(arg);
  });
  return out;
}

function truth(value: Value): boolean {
  if (value === null) return false;
  if (typeof value === 'string') return value !== '';
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'boolean') return value;
  if (value instanceof LabelMap) return Object.keys(value.labels).length > 0;
  return true;
}

type BasicKind = 'bool' | 'int' | 'float' | 'string';

function basicKind(value: Value): BasicKind {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'float';
  if (typeof value === 'string') return 'string';
  throw new FunctionError('invalid type for comparison');
}

function eq(first: Value, ...others: Value[]): boolean {
  const kind = basicKind(first);
  for (const other of others) {
    if (basicKind(other) !== kind) throw new FunctionError('incompatible types for comparison');
    if (first === other) return true;
  }
  return false;
}

function lt(a: Value, b: Value): boolean {
  const kind = basicKind(a);
  if (basicKind(b) !== kind) throw new FunctionError('incompatible types for comparison');
  if (kind === 'bool') throw new FunctionError('invalid type for comparison');
  return (a as number) < (b as number);
}

function index(item: Value, ...keys: Value[]): Value {
  let current = item;
  for (const key of keys) {
    if (!(current instanceof LabelMap)) throw new FunctionError(`can't index item of type ${goTypeName(current)}`);
    if (typeof key !== 'string') throw new FunctionError(`value has type ${goTypeName(key)}; should be string`);
    current = current.labels[key] ?? '';
  }
  return current;
}

function len(item: Value): bigint {
  if (typeof item === 'string') return BigInt(Buffer.byteLength(item, 'utf8'));
  if (item instanceof LabelMap) return BigInt(Object.keys(item.labels).length);
  throw new FunctionError(`len of type ${goTypeName(item)}`);
}

// ---------------------------------------------------------------------------------------------------
// The function table. `params` gives Go parameter types ('string' checks the argument's type); a
// trailing `variadic` type repeats. Unsupported Prometheus functions still parse (so a rule file that
// Prometheus accepts is accepted) but fail at expansion.

type ParamType = 'string' | 'any';

interface TemplateFunction {
  params: ParamType[];
  variadic?: ParamType;
  call?: (args: Value[], data: AlertData) => Value;
}

const FUNCTIONS: Record<string, TemplateFunction> = {
  // Go built-ins (and, or are handled lazily by the executor).
  and: { params: ['any'], variadic: 'any' },
  or: { params: ['any'], variadic: 'any' },
  not: { params: ['any'], call: ([a]) => !truth(a!) },
  eq: { params: ['any'], variadic: 'any', call: ([a, ...rest]) => eq(a!, ...rest) },
  ne: { params: ['any', 'any'], call: ([a, b]) => !eq(a!, b!) },
  lt: { params: ['any', 'any'], call: ([a, b]) => lt(a!, b!) },
  le: { params: ['any', 'any'], call: ([a, b]) => lt(a!, b!) || eq(a!, b!) },
  gt: { params: ['any', 'any'], call: ([a, b]) => !(lt(a!, b!) || eq(a!, b!)) },
  ge: { params: ['any', 'any'], call: ([a, b]) => !lt(a!, b!) },
  index: { params: ['any'], variadic: 'any', call: ([item, ...keys]) => index(item!, ...keys) },
  len: { params: ['any'], call: ([a]) => len(a!) },
  print: { params: [], variadic: 'any', call: (args) => goSprint(args) },
  println: { params: [], variadic: 'any', call: (args) => `${args.map(formatValue).join(' ')}\n` },
  printf: { params: ['string'], variadic: 'any', call: ([format, ...args]) => goSprintf(format as string, args) },
  html: { params: [], variadic: 'any', call: (args) => htmlEscape(goSprint(args)) },
  urlquery: { params: [], variadic: 'any', call: (args) => goQueryEscape(goSprint(args)) },
  js: { params: [], variadic: 'any' },
  call: { params: ['any'], variadic: 'any' },
  slice: { params: ['any'], variadic: 'any' },
  // Prometheus.
  humanize: { params: ['any'], call: ([v]) => humanize(v!) },
  humanize1024: { params: ['any'], call: ([v]) => humanize1024(v!) },
  humanizeDuration: { params: ['any'], call: ([v]) => humanizeDuration(v!) },
  humanizePercentage: { params: ['any'], call: ([v]) => humanizePercentage(v!) },
  humanizeTimestamp: { params: ['any'], call: ([v]) => humanizeTimestamp(v!) },
  toUpper: { params: ['string'], call: ([s]) => (s as string).toUpperCase() },
  toLower: { params: ['string'], call: ([s]) => (s as string).toLowerCase() },
  title: { params: ['string'], call: ([s]) => title(s as string) },
  reReplaceAll: { params: ['string', 'string', 'string'], call: ([p, r, t]) => reReplaceAll(p!, r!, t!) },
  match: { params: ['string', 'string'], call: ([p, t]) => match(p!, t!) },
  // Annotations are plain text here, as in Prometheus' text-mode expansion: safeHtml only marks.
  safeHtml: { params: ['string'], call: ([s]) => s! },
  stripPort: { params: ['string'], call: ([s]) => stripPort(s!) },
  parseDuration: { params: ['string'], call: ([s]) => parseDurationSeconds(s!) },
  graphLink: { params: ['string'], call: ([e]) => graphLink(e!) },
  tableLink: { params: ['string'], call: ([e]) => tableLink(e!) },
  externalURL: { params: [], call: (_, data) => data.data.externalURL },
  pathPrefix: { params: [], call: (_, data) => pathOf(data.data.externalURL) },
  // Prometheus functions that need its query engine or newer types: they parse, but do not expand.
  query: { params: ['string'] },
  first: { params: ['any'] },
  label: { params: ['string', 'any'] },
  value: { params: ['any'] },
  strvalue: { params: ['any'] },
  sortByLabel: { params: ['string', 'any'] },
  args: { params: [], variadic: 'any' },
  toTime: { params: ['any'] },
  toDuration: { params: ['any'] },
  now: { params: [] },
  stripDomain: { params: ['string'] },
};

function pathOf(url: string): string {
  try {
    return new URL(url).pathname.replace(/^\/$/, '');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------------
// Syntax tree

type Operand =
  | { kind: 'field'; pos: number; fields: string[] }
  | { kind: 'dot'; pos: number }
  | { kind: 'variable'; pos: number; name: string; fields: string[] }
  | { kind: 'function'; pos: number; name: string }
  | { kind: 'string'; pos: number; value: string; text: string }
  | { kind: 'number'; pos: number; value: number | bigint; text: string }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'nil'; pos: number }
  | { kind: 'pipe'; pos: number; pipe: Pipeline }
  | { kind: 'chain'; pos: number; node: Operand; fields: string[] };

interface Command {
  pos: number;
  args: Operand[];
}

interface Pipeline {
  pos: number;
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
}

type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pos: number; pipe: Pipeline }
  | ControlNode
  | { kind: 'break' | 'continue'; pos: number };

interface ControlNode {
  kind: 'if' | 'with' | 'range';
  pos: number;
  pipe: Pipeline;
  list: TemplateNode[];
  elseList: TemplateNode[];
}

/** A parsed template, ready to expand. */
export interface ParsedTemplate {
  readonly name: string;
  readonly text: string;
  readonly nodes: readonly TemplateNode[];
}

function operandString(op: Operand): string {
  switch (op.kind) {
    case 'field':
      return op.fields.map((f) => `.${f}`).join('');
    case 'dot':
      return '.';
    case 'variable':
      return op.name + op.fields.map((f) => `.${f}`).join('');
    case 'function':
      return op.name;
    case 'string':
    case 'number':
      return op.text;
    case 'bool':
      return String(op.value);
    case 'nil':
      return 'nil';
    case 'pipe':
      return `(${pipelineString(op.pipe)})`;
    case 'chain':
      return operandString(op.node) + op.fields.map((f) => `.${f}`).join('');
  }
}

function commandString(cmd: Command): string {
  return cmd.args.map(operandString).join(' ');
}

function pipelineString(pipe: Pipeline): string {
  const decl = pipe.decl.length > 0 ? `${pipe.decl.join(', ')} ${pipe.isAssign ? '=' : ':='} ` : '';
  return decl + pipe.cmds.map(commandString).join(' | ');
}

// ---------------------------------------------------------------------------------------------------
// Lexer: tokens of one action, Go's text/template/parse/lex.go.

type TokenKind =
  | 'space'
  | 'string'
  | 'rawString'
  | 'char'
  | 'number'
  | 'identifier'
  | 'keyword'
  | 'bool'
  | 'nil'
  | 'variable'
  | 'field'
  | 'dot'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'rightDelim';

interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);
const SPACE = /[ \t\r\n]/;
const WORD_CHAR = /[\p{L}\p{N}_]/u;

class Parser {
  private pos = 0;
  private tokens: Token[] = [];
  private tokenIndex = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;

  constructor(
    private readonly name: string,
    private readonly text: string,
  ) {}

  parse(): TemplateNode[] {
    const { nodes, end } = this.parseList();
    if (end) this.fail(`unexpected {{${end.word}}}`, end.pos);
    return nodes;
  }

  private fail(message: string, pos: number): never {
    const line = this.text.slice(0, pos).split('\n').length;
    throw new TemplateParseError(`template: ${this.name}:${line}: ${message}`);
  }

  /** Reads nodes until EOF or an {{else}} / {{end}}, which is returned. */
  private parseList(): { nodes: TemplateNode[]; end?: { word: 'else' | 'end'; pos: number } } {
    const nodes: TemplateNode[] = [];
    for (;;) {
      const open = this.text.indexOf('{{', this.pos);
      const textEnd = open < 0 ? this.text.length : open;
      let chunk = this.text.slice(this.pos, textEnd);
      const trimLeft = open >= 0 && /^\{\{-[ \t\r\n]/.test(this.text.slice(open, open + 4));
      if (trimLeft) chunk = chunk.replace(/[ \t\r\n]+$/, '');
      if (chunk !== '') nodes.push({ kind: 'text', text: chunk });
      if (open < 0) return { nodes };
      this.pos = open + (trimLeft ? 3 : 2);
      const result = this.parseAction(open);
      if (result === 'comment') continue;
      if (result.kind === 'node') nodes.push(result.node);
      else return { nodes, end: { word: result.kind, pos: open } };
    }
  }

  /** After `{{`: a comment, a keyword action or a pipeline. */
  private parseAction(open: number): 'comment' | { kind: 'else' | 'end' } | { kind: 'node'; node: TemplateNode } {
    if (this.skipComment(open)) return 'comment';
    this.lexAction(open);
    const first = this.peekNonSpace();
    if (first.kind === 'keyword') {
      this.next();
      switch (first.text) {
        case 'if':
        case 'with':
        case 'range':
          return { kind: 'node', node: this.parseControl(first.text, first.pos) };
        case 'else':
        case 'end':
          return { kind: first.text };
        case 'break':
        case 'continue':
          if (this.rangeDepth === 0) this.fail(`{{${first.text}}} outside {{range}}`, first.pos);
          this.expectRightDelim(first.text);
          return { kind: 'node', node: { kind: first.text, pos: first.pos } };
        default:
          this.fail(`{{${first.text}}} is not supported in alert templates`, first.pos);
      }
    }
    return { kind: 'node', node: { kind: 'action', pos: first.pos, pipe: this.parsePipeline('command', false) } };
  }

  private skipComment(open: number): boolean {
    const match = /^\{\{(-[ \t\r\n])?\/\*/.exec(this.text.slice(open, open + 6));
    if (!match) return false;
    const close = this.text.indexOf('*/', open + match[0].length);
    if (close < 0) this.fail('unclosed comment', open);
    const rest = this.text.slice(close + 2);
    const delim = /^( -)?\}\}/.exec(rest);
    if (!delim) this.fail('comment ends before closing delimiter', close);
    this.pos = close + 2 + delim[0].length;
    if (delim[1]) this.skipLeadingSpace();
    return true;
  }

  private skipLeadingSpace(): void {
    while (this.pos < this.text.length && SPACE.test(this.text[this.pos]!)) this.pos++;
  }

  private parseControl(kind: 'if' | 'with' | 'range', pos: number): TemplateNode {
    const varsBefore = this.vars.length;
    const pipe = this.parsePipeline(kind, kind === 'range');
    if (kind === 'range') this.rangeDepth++;
    const body = this.parseList();
    if (kind === 'range') this.rangeDepth--;
    let elseList: TemplateNode[] = [];
    if (!body.end) this.fail('unexpected EOF', this.text.length);
    if (body.end.word === 'else') elseList = this.parseElse(kind);
    this.vars.length = varsBefore;
    return { kind, pos, pipe, list: body.nodes, elseList };
  }

  /** After {{else}}: `{{else if ...}}` (or `else with`) nests a control that shares our {{end}}. */
  private parseElse(kind: 'if' | 'with' | 'range'): TemplateNode[] {
    const next = this.peekNonSpace();
    if (next.kind === 'keyword' && next.text === kind && kind !== 'range') {
      this.next();
      return [this.parseControl(kind, next.pos)];
    }
    this.expectRightDelim('else');
    const rest = this.parseList();
    if (!rest.end) this.fail('unexpected EOF', this.text.length);
    if (rest.end.word === 'else') this.fail('expected end; found {{else}}', rest.end.pos);
    return rest.nodes;
  }

  private parsePipeline(context: string, allowTwoVars: boolean): Pipeline {
    const start = this.peekNonSpace();
    const pipe: Pipeline = { pos: start.pos, decl: [], isAssign: false, cmds: [] };
    this.parseDeclaration(pipe, allowTwoVars);
    for (;;) {
      const token = this.peekNonSpace();
      if (token.kind === 'rightDelim' || token.kind === 'rightParen') {
        if (token.kind === 'rightDelim') this.next();
        if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`, token.pos);
        break;
      }
      pipe.cmds.push(this.parseCommand());
    }
    pipe.cmds.slice(1).forEach((cmd, i) => {
      if (['bool', 'dot', 'nil', 'number', 'string'].includes(cmd.args[0]!.kind)) {
        this.fail(`non executable command in pipeline stage ${i + 2}`, cmd.pos);
      }
    });
    for (const name of pipe.decl) if (!pipe.isAssign) this.vars.push(name);
    return pipe;
  }

  private parseDeclaration(pipe: Pipeline, allowTwoVars: boolean): void {
    const first = this.peekNonSpace();
    if (first.kind !== 'variable') return;
    const save = this.tokenIndex;
    this.next();
    const after = this.peekNonSpace();
    if (after.kind === 'declare' || after.kind === 'assign') {
      this.next();
      pipe.decl.push(first.text);
      pipe.isAssign = after.kind === 'assign';
      if (pipe.isAssign && !this.vars.includes(first.text)) this.fail(`undefined variable "${first.text}"`, first.pos);
      return;
    }
    if (after.kind === 'comma' && allowTwoVars) {
      this.next();
      const second = this.peekNonSpace();
      this.next();
      const op = this.peekNonSpace();
      if (second.kind !== 'variable' || (op.kind !== 'declare' && op.kind !== 'assign')) {
        this.fail('range can only initialize variables', second.pos);
      }
      this.next();
      pipe.decl.push(first.text, second.text);
      pipe.isAssign = op.kind === 'assign';
      return;
    }
    this.tokenIndex = save;
  }

  private parseCommand(): Command {
    const cmd: Command = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.skipSpaces();
      const token = this.peek();
      if (token.kind === 'rightDelim' || token.kind === 'rightParen') break;
      if (token.kind === 'pipe') {
        this.next();
        break;
      }
      cmd.args.push(this.parseOperand());
      const after = this.peek();
      if (!['space', 'rightDelim', 'rightParen', 'pipe'].includes(after.kind)) {
        this.fail(`unexpected ${describeToken(after)} in operand`, after.pos);
      }
    }
    if (cmd.args.length === 0) this.fail('empty command', cmd.pos);
    return cmd;
  }

  private parseOperand(): Operand {
    const term = this.parseTerm();
    const fields: string[] = [];
    while (this.peek().kind === 'field') fields.push(this.next().text.slice(1));
    if (fields.length === 0) return term;
    switch (term.kind) {
      case 'field':
        return { ...term, fields: [...term.fields, ...fields] };
      case 'variable':
        return { ...term, fields: [...term.fields, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return this.fail(`unexpected . after term "${operandString(term)}"`, term.pos);
      default:
        return { kind: 'chain', pos: term.pos, node: term, fields };
    }
  }

  private parseTerm(): Operand {
    const token = this.next();
    switch (token.kind) {
      case 'identifier':
        if (!(token.text in FUNCTIONS)) this.fail(`function "${token.text}" not defined`, token.pos);
        return { kind: 'function', pos: token.pos, name: token.text };
      case 'dot':
        return { kind: 'dot', pos: token.pos };
      case 'nil':
        return { kind: 'nil', pos: token.pos };
      case 'variable':
        if (!this.vars.includes(token.text)) this.fail(`undefined variable "${token.text}"`, token.pos);
        return { kind: 'variable', pos: token.pos, name: token.text, fields: [] };
      case 'field':
        return { kind: 'field', pos: token.pos, fields: [token.text.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos: token.pos, value: token.text === 'true' };
      case 'number':
      case 'char':
        return { kind: 'number', pos: token.pos, value: this.numberValue(token), text: token.text };
      case 'string':
      case 'rawString':
        return { kind: 'string', pos: token.pos, value: this.stringValue(token), text: token.text };
      case 'leftParen': {
        const pipe = this.parsePipeline('parenthesized pipeline', false);
        const close = this.next();
        if (close.kind !== 'rightParen') this.fail(`unclosed left paren`, token.pos);
        return { kind: 'pipe', pos: token.pos, pipe };
      }
      default:
        return this.fail(`unexpected ${describeToken(token)} in operand`, token.pos);
    }
  }

  private numberValue(token: Token): number | bigint {
    if (token.kind === 'char') {
      const inner = this.stringValue({ ...token, text: `"${token.text.slice(1, -1)}"` });
      if ([...inner].length !== 1) this.fail(`malformed character constant: ${token.text}`, token.pos);
      return BigInt(inner.codePointAt(0)!);
    }
    const text = token.text.replace(/_/g, '');
    const isInt = /^[+-]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|\d+)$/.test(text);
    if (isInt) {
      const negative = text.startsWith('-');
      const body = text.replace(/^[+-]/, '').replace(/^0([0-7]+)$/, '0o$1');
      const value = BigInt(body);
      return negative ? -value : value;
    }
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
    return this.fail(`bad number syntax: "${token.text}"`, token.pos);
  }

  private stringValue(token: Token): string {
    if (token.kind === 'rawString') return token.text.slice(1, -1).replace(/\r/g, '');
    try {
      return decodeGoString(token.text);
    } catch {
      return this.fail(`invalid syntax: ${token.text}`, token.pos);
    }
  }

  private expectRightDelim(context: string): void {
    const token = this.peekNonSpace();
    if (token.kind !== 'rightDelim') this.fail(`unexpected ${describeToken(token)} in ${context}`, token.pos);
    this.next();
  }

  private peek(): Token {
    return this.tokens[this.tokenIndex]!;
  }

  private next(): Token {
    const token = this.tokens[this.tokenIndex]!;
    if (token.kind !== 'rightDelim') this.tokenIndex++;
    return token;
  }

  private skipSpaces(): void {
    while (this.peek().kind === 'space') this.tokenIndex++;
  }

  private peekNonSpace(): Token {
    this.skipSpaces();
    return this.peek();
  }

  /** Tokenises one action, from this.pos through its closing delimiter. */
  private lexAction(open: number): void {
    this.tokens = [];
    this.tokenIndex = 0;
    let depth = 0;
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unclosed action', open);
      const rest = this.text.slice(this.pos);
      const delim = /^([ \t\r\n]+-)?\}\}/.exec(rest);
      if (delim) {
        this.tokens.push({ kind: 'rightDelim', text: '}}', pos: this.pos });
        this.pos += delim[0].length;
        if (depth > 0) this.fail('unclosed left paren', open);
        if (delim[1]) this.skipLeadingSpace();
        return;
      }
      const token = this.lexToken(rest);
      if (token.kind === 'leftParen') depth++;
      if (token.kind === 'rightParen' && --depth < 0) this.fail('unexpected right paren', this.pos);
      this.tokens.push(token);
      this.pos += token.text.length;
    }
  }

  private lexToken(rest: string): Token {
    const pos = this.pos;
    const char = rest[0]!;
    const simple: Record<string, TokenKind> = { '|': 'pipe', '(': 'leftParen', ')': 'rightParen', ',': 'comma', '=': 'assign' };
    if (SPACE.test(char)) return { kind: 'space', text: /^[ \t\r\n]+/.exec(rest)![0], pos };
    if (rest.startsWith(':=')) return { kind: 'declare', text: ':=', pos };
    if (simple[char]) return { kind: simple[char], text: char, pos };
    if (char === '"') return { kind: 'string', text: this.lexQuoted(rest, '"', 'unterminated quoted string'), pos };
    if (char === "'") return { kind: 'char', text: this.lexQuoted(rest, "'", 'unterminated character constant'), pos };
    if (char === '`') {
      const close = rest.indexOf('`', 1);
      if (close < 0) this.fail('unterminated raw quoted string', pos);
      return { kind: 'rawString', text: rest.slice(0, close + 1), pos };
    }
    if (char === '$') return { kind: 'variable', text: this.word(rest, 1), pos };
    if (char === '.' && !/^\.\d/.test(rest)) {
      const field = this.word(rest, 1);
      return field === '.' ? { kind: 'dot', text: '.', pos } : { kind: 'field', text: field, pos };
    }
    if (/^[+-]?[.\d]/.test(rest)) {
      const number = /^[+-]?(?:[eEpP][+-]|[0-9a-zA-Z_.])*/.exec(rest)![0];
      return { kind: 'number', text: number, pos };
    }
    if (WORD_CHAR.test(char)) {
      const word = this.word(rest, 0);
      const kind: TokenKind = KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'identifier';
      return { kind, text: word, pos };
    }
    return this.fail(`bad character U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${char}'`, pos);
  }

  private word(rest: string, from: number): string {
    let end = from;
    for (const char of rest.slice(from)) {
      if (!WORD_CHAR.test(char)) break;
      end += char.length;
    }
    return rest.slice(0, end);
  }

  private lexQuoted(rest: string, quote: string, unterminated: string): string {
    for (let i = 1; i < rest.length; i++) {
      if (rest[i] === '\\') i++;
      else if (rest[i] === '\n') break;
      else if (rest[i] === quote) return rest.slice(0, i + 1);
    }
    return this.fail(unterminated, this.pos);
  }
}

function describeToken(token: Token): string {
  if (token.kind === 'rightDelim') return '"}}"';
  return `"${token.text}"`;
}

/** Go's strconv.Unquote of a double-quoted literal. */
function decodeGoString(literal: string): string {
  const body = literal.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, escape: string) => {
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (simple[escape] !== undefined) return simple[escape];
    if (/^[xuU]/.test(escape)) return String.fromCodePoint(parseInt(escape.slice(1), 16));
    if (/^[0-7]{3}$/.test(escape)) return String.fromCodePoint(parseInt(escape, 8));
    throw new Error('bad escape');
  });
}

// ---------------------------------------------------------------------------------------------------
// Executor: Go's text/template/exec.go for the nodes above.

class ExecError extends Error {
  constructor(
    message: string,
    readonly pos: number,
    readonly context: string,
  ) {
    super(message);
  }
}

class BreakSignal {}
class ContinueSignal {}

/** Marks "no piped value" (distinct from a piped nil). */
const NO_FINAL = Symbol('no final');
type Final = Value | typeof NO_FINAL;

class Executor {
  private vars: { name: string; value: Value }[] = [];
  private out = '';

  constructor(
    private readonly root: AlertData,
  ) {
    this.vars.push({ name: '$', value: root });
  }

  run(nodes: readonly TemplateNode[]): string {
    this.walkList(nodes, this.root);
    return this.out;
  }

  private walkList(nodes: readonly TemplateNode[], dot: Value): void {
    for (const node of nodes) this.walk(node, dot);
  }

  private walk(node: TemplateNode, dot: Value): void {
    switch (node.kind) {
      case 'text':
        this.out += node.text;
        return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out += value === null ? '<no value>' : formatValue(value);
        return;
      }
      case 'if':
      case 'with':
        return this.walkIfOrWith(node, dot);
      case 'range':
        return this.walkRange(node, dot);
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
    }
  }

  private walkIfOrWith(node: ControlNode, dot: Value): void {
    const mark = this.vars.length;
    const value = this.evalPipeline(dot, node.pipe);
    if (truth(value)) this.walkList(node.list, node.kind === 'with' ? value : dot);
    else this.walkList(node.elseList, dot);
    this.vars.length = mark;
  }

  private walkRange(node: ControlNode, dot: Value): void {
    const mark = this.vars.length;
    const value = this.evalPipeline(dot, { ...node.pipe, decl: [] });
    if (!(value instanceof LabelMap)) {
      throw new ExecError(`range can't iterate over ${formatValue(value)}`, node.pipe.pos, pipelineString(node.pipe));
    }
    const keys = Object.keys(value.labels).sort();
    for (const key of keys) {
      const element = value.labels[key]!;
      const iterationMark = this.vars.length;
      const [first, second] = node.pipe.decl;
      if (first !== undefined) this.setOrPush(first, second === undefined ? element : key, node.pipe.isAssign);
      if (second !== undefined) this.setOrPush(second, element, node.pipe.isAssign);
      try {
        this.walkList(node.list, element);
      } catch (signal) {
        if (signal instanceof BreakSignal) break;
        if (!(signal instanceof ContinueSignal)) throw signal;
      } finally {
        this.vars.length = iterationMark;
      }
    }
    if (keys.length === 0) this.walkList(node.elseList, dot);
    this.vars.length = mark;
  }

  private setOrPush(name: string, value: Value, isAssign: boolean): void {
    if (isAssign) this.setVar(name, value);
    else this.vars.push({ name, value });
  }

  private setVar(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
  }

  private varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    return null;
  }

  private evalPipeline(dot: Value, pipe: Pipeline): Value {
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    const result = value === NO_FINAL ? null : value;
    for (const name of pipe.decl) this.setOrPush(name, result, pipe.isAssign);
    return result;
  }

  private evalCommand(dot: Value, cmd: Command, final: Final): Value {
    const first = cmd.args[0]!;
    if (first.kind === 'function') return this.evalFunction(dot, first.name, cmd, final);
    if (cmd.args.length > 1 || final !== NO_FINAL) {
      throw new ExecError(`can't give argument to non-function ${operandString(first)}`, first.pos, commandString(cmd));
    }
    if (first.kind === 'nil') throw new ExecError('nil is not a command', first.pos, commandString(cmd));
    return this.evalOperand(dot, first);
  }

  private evalOperand(dot: Value, op: Operand): Value {
    switch (op.kind) {
      case 'field':
        return this.fieldChain(dot, op.fields, op.pos, operandString(op));
      case 'dot':
        return dot;
      case 'variable':
        return this.fieldChain(this.varValue(op.name), op.fields, op.pos, operandString(op));
      case 'function':
        return this.evalFunction(dot, op.name, { pos: op.pos, args: [op] }, NO_FINAL);
      case 'string':
      case 'bool':
        return op.value;
      case 'number':
        return op.value;
      case 'nil':
        return null;
      case 'pipe':
        return this.evalNestedPipeline(dot, op.pipe);
      case 'chain':
        return this.fieldChain(this.evalOperand(dot, op.node), op.fields, op.pos, operandString(op));
    }
  }

  private evalNestedPipeline(dot: Value, pipe: Pipeline): Value {
    const mark = this.vars.length;
    const value = this.evalPipeline(dot, pipe);
    this.vars.length = mark;
    return value;
  }

  private fieldChain(receiver: Value, fields: string[], pos: number, context: string): Value {
    let current = receiver;
    for (const field of fields) current = this.field(current, field, pos, context);
    return current;
  }

  private field(receiver: Value, name: string, pos: number, context: string): Value {
    if (receiver instanceof LabelMap) return receiver.labels[name] ?? '';
    if (receiver instanceof AlertData) {
      const data = receiver.data;
      if (name === 'Labels') return new LabelMap(data.labels);
      if (name === 'ExternalLabels') return new LabelMap(data.externalLabels);
      if (name === 'ExternalURL') return data.externalURL;
      if (name === 'Value') return data.value;
    }
    if (receiver === null) throw new ExecError(`nil pointer evaluating interface {}.${name}`, pos, context);
    throw new ExecError(`can't evaluate field ${name} in type ${goTypeName(receiver)}`, pos, context);
  }

  private evalFunction(dot: Value, name: string, cmd: Command, final: Final): Value {
    const fn = FUNCTIONS[name]!;
    const argNodes = cmd.args.slice(1);
    const context = commandString(cmd);
    const count = argNodes.length + (final === NO_FINAL ? 0 : 1);
    const fixed = fn.params.length;
    if (fn.variadic ? count < fixed : count !== fixed) {
      const want = fn.variadic ? `at least ${fixed}` : String(fixed);
      throw new ExecError(`wrong number of args for ${name}: want ${want} got ${count}`, cmd.pos, name);
    }
    if (name === 'and' || name === 'or') return this.evalLogical(dot, name, argNodes, final);
    const args = argNodes.map((node, i) => this.evalArg(dot, node, paramType(fn, i)));
    if (final !== NO_FINAL) args.push(checkType(final, paramType(fn, args.length), cmd.pos, name));
    if (!fn.call) throw new ExecError(`error calling ${name}: not supported by Meshscope`, cmd.pos, context);
    try {
      return fn.call(args, this.root);
    } catch (error) {
      if (error instanceof FunctionError) throw new ExecError(`error calling ${name}: ${error.message}`, cmd.pos, context);
      throw error;
    }
  }

  /** Go 1.18+ evaluates `and` / `or` lazily, returning the deciding argument itself. */
  private evalLogical(dot: Value, name: 'and' | 'or', argNodes: Operand[], final: Final): Value {
    let value: Value = null;
    const all: (Operand | Value)[] = [...argNodes];
    if (final !== NO_FINAL) all.push(final);
    for (const item of all) {
      value = isOperand(item) ? this.evalArg(dot, item, 'any') : item;
      if (truth(value) === (name === 'or')) return value;
    }
    return value;
  }

  private evalArg(dot: Value, node: Operand, type: ParamType): Value {
    const context = operandString(node);
    if (node.kind === 'number' && type === 'string') {
      throw new ExecError(`expected string; found ${node.text}`, node.pos, context);
    }
    return checkType(this.evalOperand(dot, node), type, node.pos, context);
  }
}

function isOperand(item: Operand | Value): item is Operand {
  return typeof item === 'object' && item !== null && !(item instanceof LabelMap) && !(item instanceof AlertData);
}

function paramType(fn: TemplateFunction, i: number): ParamType {
  return fn.params[i] ?? fn.variadic ?? 'any';
}

function checkType(value: Value, type: ParamType, pos: number, context: string): Value {
  if (type === 'string' && typeof value !== 'string') {
    throw new ExecError(`wrong type for value; expected string; got ${goTypeName(value)}`, pos, context);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Public API

/** Parses `text` as Prometheus parses an alert template (with its $labels… definitions prepended). */
export function parseTemplate(text: string, name = 'template'): ParsedTemplate {
  const full = PROMETHEUS_DEFS + text;
  return { name, text: full, nodes: new Parser(name, full).parse() };
}

/** Why a template does not parse (Go's message), or undefined when it parses. */
export function checkTemplate(text: string, name = 'template'): string | undefined {
  try {
    parseTemplate(text, name);
    return undefined;
  } catch (error) {
    if (error instanceof TemplateParseError) return error.message;
    throw error;
  }
}

/** Executes a parsed template; throws an Error with Go's `template: name:line:col: executing ...` message. */
export function executeTemplate(template: ParsedTemplate, data: TemplateData): string {
  try {
    return new Executor(new AlertData(data)).run(template.nodes);
  } catch (error) {
    if (!(error instanceof ExecError)) throw error;
    const { line, column } = position(template.text, error.pos);
    const where = `template: ${template.name}:${line}:${column}: executing "${template.name}" at <${error.context}>`;
    throw new Error(`${where}: ${error.message}`);
  }
}

function position(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos);
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: lastNewline < 0 ? pos : pos - lastNewline - 1 };
}

const PARSED_CACHE_LIMIT = 1000;
const parsedCache = new Map<string, ParsedTemplate>();

/** Parsed templates are reused across evaluations; the cache is dropped whole when it grows too big. */
function cachedParse(name: string, text: string): ParsedTemplate {
  const key = `${name}\u0000${text}`;
  let parsed = parsedCache.get(key);
  if (!parsed) {
    if (parsedCache.size >= PARSED_CACHE_LIMIT) parsedCache.clear();
    parsed = parseTemplate(text, name);
    parsedCache.set(key, parsed);
  }
  return parsed;
}

/**
 * The TemplateExpander of model.ts. `name` is the template's name in error messages; Prometheus uses
 * `__alert_<alertname>`. Failures come back as `<error expanding template: ...>`, as Prometheus writes them.
 */
export const expandTemplate: TemplateExpander = (name, template, data) => {
  // Text without actions expands to itself; skipping the parse keeps the common case cheap.
  if (!template.includes('{{')) return template;
  try {
    return executeTemplate(cachedParse(name, template), data);
  } catch (error) {
    const message = error instanceof TemplateParseError ? `error parsing template ${name}: ${error.message}` : `error executing template ${name}: ${(error as Error).message}`;
    return `<error expanding template: ${message}>`;
  }
};
