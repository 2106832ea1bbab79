// Go's fmt and strconv number formatting for template values: strconv.FormatFloat, %v, fmt.Sprint and
// fmt.Sprintf with the verbs and error notation (`%!d(string=x)`) templates can produce.

import { goQuote, sortedLabelNames } from './go-compat.js';
import type { Labels } from './model.js';
import { goTypeName, LabelMap, type Value } from './template-values.js';

// ---------------------------------------------------------------------------------------------------
// strconv.FormatFloat

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

// ---------------------------------------------------------------------------------------------------
// fmt's %v and Sprint

/** Go's fmt %v. */
export function formatValue(value: Value): string {
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatGoFloat(value, 'g', -1);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof LabelMap) return formatMap(value.labels);
  const d = value.data;
  return `{${formatMap(d.labels)} ${formatMap(d.externalLabels)} ${d.externalURL} ${formatValue(d.value)}}`;
}

function formatMap(labels: Labels): string {
  // fmt prints map keys sorted as Go compares strings: by UTF-8 bytes.
  const entries = sortedLabelNames(labels).map((key) => `${key}:${labels[key]}`);
  return `map[${entries.join(' ')}]`;
}

/** Go's fmt.Sprint: a space between operands when neither is a string. */
export function goSprint(args: Value[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(arg);
  });
  return out;
}

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

export function goSprintf(format: string, args: Value[]): string {
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
