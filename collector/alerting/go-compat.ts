// The Go behaviours that Prometheus' and Alertmanager's output depends on, reproduced so our templates and
// payloads match their bytes: string ordering (bytes, not UTF-16 units), strconv.Quote, time.Time's text
// and JSON forms, encoding/json's HTML escaping and prometheus/common's label-set fingerprint. Shared by
// the alert templates and the notifiers.
import type { Labels } from './model.js';

/** Go's `a < b` on strings: compares UTF-8 bytes (differs from JS `<` beyond the BMP). */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function sortedLabelNames(labels: Labels): string[] {
  return Object.keys(labels).sort(compareGoStrings);
}

// FNV-1a 64 in two 32-bit halves: the prime is 2^40 + 0x1b3, so h × prime = (h << 40) + h × 0x1b3.
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const PRIME_LO = 0x1b3;
const SEPARATOR_BYTE = 0xff;

/**
 * prometheus/common `model.LabelSet.Fingerprint()` as 16 hex digits, what Alertmanager reports as an
 * alert's `fingerprint`: FNV-1a 64 over name, 0xff, value, 0xff for each label in name order.
 */
export function labelsFingerprint(labels: Labels): string {
  let hi = OFFSET_HI;
  let lo = OFFSET_LO;
  const addByte = (byte: number): void => {
    lo = (lo ^ byte) >>> 0;
    const loProduct = lo * PRIME_LO;
    const carry = Math.floor(loProduct / 0x1_0000_0000);
    hi = (Math.imul(hi, PRIME_LO) + (lo << 8) + carry) >>> 0;
    lo = loProduct >>> 0;
  };
  const addString = (text: string): void => {
    for (const byte of Buffer.from(text, 'utf8')) addByte(byte);
  };
  for (const name of sortedLabelNames(labels)) {
    addString(name);
    addByte(SEPARATOR_BYTE);
    addString(labels[name]!);
    addByte(SEPARATOR_BYTE);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const GO_SHORT_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/**
 * Go's strconv.Quote (what `%q` prints). A lone surrogate is what JavaScript holds where Go holds U+FFFD
 * (UTF-8 encoding and Go's JSON decoder both substitute it), and Go prints U+FFFD as itself.
 */
export function goQuote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    if (GO_SHORT_ESCAPES[char] !== undefined) quoted += GO_SHORT_ESCAPES[char];
    else if (GO_PRINTABLE.test(char)) quoted += char;
    else if (codePoint < 0x80) quoted += `\\x${hex(codePoint, 2)}`;
    else if (codePoint >= 0xd800 && codePoint <= 0xdfff) quoted += '\ufffd';
    else if (codePoint < 0x10000) quoted += `\\u${hex(codePoint, 4)}`;
    else quoted += `\\U${hex(codePoint, 8)}`;
  }
  return `${quoted}"`;
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

/** prometheus/common `model.LabelSet.String()`: `{a="1", b="2"}`, names sorted, values Go-quoted. */
export function goLabelSetString(labels: Labels): string {
  return `{${sortedLabelNames(labels)
    .map((name) => `${name}=${goQuote(labels[name]!)}`)
    .join(', ')}}`;
}

/** Go's zero time.Time in JSON: what Alertmanager shows as the endsAt of a firing alert. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** time.Time's JSON form in UTC (RFC 3339 with trailing zeros of the fraction trimmed). */
export function goTimeJson(unixMs: number): string {
  const { date, clock, fraction } = utcParts(unixMs);
  return `${date}T${clock}${fraction}Z`;
}

/** time.Time's String() in UTC, as `humanizeTimestamp` prints it: `2006-01-02 15:04:05.12 +0000 UTC`. */
export function goTimeString(unixMs: number): string {
  const { date, clock, fraction } = utcParts(unixMs);
  return `${date} ${clock}${fraction} +0000 UTC`;
}

/** Date, clock and `.fraction` of a UTC time; Go's `.999999999` layouts drop the fraction's trailing zeros. */
function utcParts(unixMs: number): { date: string; clock: string; fraction: string } {
  const [, date, clock, millis] = /^(.+)T(.+)\.(\d{3})Z$/.exec(new Date(unixMs).toISOString())!;
  const digits = millis!.replace(/0+$/, '');
  return { date: date!, clock: clock!, fraction: digits === '' ? '' : `.${digits}` };
}

/** A map with keys in Go's order, as encoding/json writes Go maps. */
export function goSortedMap(labels: Labels): Labels {
  return Object.fromEntries(sortedLabelNames(labels).map((name) => [name, labels[name]!]));
}

/** encoding/json's Marshal: HTML-sensitive characters and line separators escaped. */
export function goJsonMarshal(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${hex(char.charCodeAt(0), 4)}`);
}
