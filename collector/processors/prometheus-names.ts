// Prometheus names for OTLP metrics and attributes, as the OpenTelemetry specification "Prometheus and
// OpenMetrics Compatibility" (section "OTLP Metric points to Prometheus") asks and the OTel Collector's
// pkg/translator/prometheus (normalize_name.go, normalize_label.go) does it:
// - names: every run of characters outside [a-zA-Z0-9] becomes one `_` (the spec: "Invalid characters ...
//   MUST be replaced with the `_` character. Multiple consecutive `_` characters MUST be replaced with a
//   single `_`"); like the Collector we also treat `:` as a separator, since colons are reserved for
//   recording rules, and trim leading/trailing underscores;
// - the unit as a word suffix ("Converting from abbreviations to full words", "Dropping the portions of the
//   Unit within brackets", "Converting foo/bar to foo_per_bar"), unless the name already holds it;
// - `_total` on monotonic sums, after the unit ("The unit suffix comes before any type-specific suffixes");
// - `_ratio` for unit "1" on OTLP gauges only: the spec's special case "Converting 1 to ratio", narrowed
//   as the Collector narrows it, because many instrumentations put "1" on counters of things.
import { attributeValueToString } from '../model/attributes.js';
import type { Attribute } from '../model/model.js';

/** Which type-specific suffix the name takes. */
export type NameSuffixKind = 'monotonic_sum' | 'gauge' | 'none';

/** UCUM abbreviations to the words Prometheus' naming practices use (the Collector's unitMap). */
const UNIT_WORDS: ReadonlyMap<string, string> = new Map([
  ['d', 'days'],
  ['h', 'hours'],
  ['min', 'minutes'],
  ['s', 'seconds'],
  ['ms', 'milliseconds'],
  ['us', 'microseconds'],
  ['ns', 'nanoseconds'],
  ['By', 'bytes'],
  ['KiBy', 'kibibytes'],
  ['MiBy', 'mebibytes'],
  ['GiBy', 'gibibytes'],
  ['TiBy', 'tibibytes'],
  ['KBy', 'kilobytes'],
  ['MBy', 'megabytes'],
  ['GBy', 'gigabytes'],
  ['TBy', 'terabytes'],
  ['m', 'meters'],
  ['V', 'volts'],
  ['A', 'amperes'],
  ['J', 'joules'],
  ['W', 'watts'],
  ['g', 'grams'],
  ['Cel', 'celsius'],
  ['Hz', 'hertz'],
  ['1', ''],
  ['%', 'percent'],
  ['$', 'dollars'],
]);

/** The denominator of a rate unit, singular ("By/s" is bytes_per_second). */
const PER_UNIT_WORDS: ReadonlyMap<string, string> = new Map([
  ['s', 'second'],
  ['m', 'minute'],
  ['h', 'hour'],
  ['d', 'day'],
  ['w', 'week'],
  ['mo', 'month'],
  ['y', 'year'],
]);

const NAME_SEPARATORS = /[^a-zA-Z0-9]+/;
const LABEL_INVALID_RUNS = /[^a-zA-Z0-9_]+/g;
const UNDERSCORE_RUNS = /_{2,}/g;
const ANNOTATIONS = /\{[^}]*\}/g;
const STARTS_WITH_DIGIT = /^[0-9]/;

function tokensOf(text: string): string[] {
  return text.split(NAME_SEPARATORS).filter((token) => token !== '');
}

/** The unit as Prometheus words, e.g. 's' → 'seconds', 'By/s' → 'bytes_per_second', '{request}' → ''. */
export function prometheusUnit(otlpUnit: string, suffixKind: NameSuffixKind): string {
  if (otlpUnit === '1' && suffixKind === 'gauge') return 'ratio';
  return unitTokens(otlpUnit).join('_');
}

function unitTokens(otlpUnit: string): string[] {
  const unit = otlpUnit.replace(ANNOTATIONS, '');
  const slash = unit.indexOf('/');
  const main = (slash === -1 ? unit : unit.slice(0, slash)).trim();
  const per = slash === -1 ? '' : unit.slice(slash + 1).trim();
  const tokens = tokensOf(UNIT_WORDS.get(main) ?? main);
  const perTokens = tokensOf(PER_UNIT_WORDS.get(per) ?? per);
  if (perTokens.length > 0) tokens.push('per', ...perTokens);
  return tokens;
}

/** True when `words` occurs in `tokens` as a run of whole tokens. */
function containsWords(tokens: readonly string[], words: readonly string[]): boolean {
  return `_${tokens.join('_')}_`.includes(`_${words.join('_')}_`);
}

/** The Prometheus metric family name of an OTLP metric, e.g. ('http.server.duration', 's') → 'http_server_duration_seconds'. */
export function prometheusMetricName(otlpName: string, otlpUnit: string, suffixKind: NameSuffixKind): string {
  const tokens = tokensOf(otlpName);
  // A counter already named *_total gets its unit before the suffix, not after it.
  if (suffixKind === 'monotonic_sum' && tokens.at(-1) === 'total') tokens.pop();
  const unitWords = unitTokens(otlpUnit);
  // "per" words go in only when the name lacks them: 'network.io.per_second' keeps one per_second.
  const mainEnd = unitWords.indexOf('per');
  const main = mainEnd === -1 ? unitWords : unitWords.slice(0, mainEnd);
  const per = mainEnd === -1 ? [] : unitWords.slice(mainEnd);
  if (main.length > 0 && !containsWords(tokens, main)) tokens.push(...main);
  if (per.length > 0 && !containsWords(tokens, per)) tokens.push(...per);
  if (suffixKind === 'monotonic_sum') tokens.push('total');
  if (suffixKind === 'gauge' && otlpUnit === '1' && tokens.at(-1) !== 'ratio') tokens.push('ratio');
  const name = tokens.join('_');
  if (name === '') return '_';
  return STARTS_WITH_DIGIT.test(name) ? `_${name}` : name;
}

/**
 * A valid Prometheus label name for an attribute key. Invalid characters become `_` and runs of `_`
 * collapse to one (the spec's MUST); a leading digit or underscore gets a `key` prefix as the Collector
 * does, which also keeps attributes out of the `__` namespace Prometheus reserves (`__name__`).
 */
export function prometheusLabelName(attributeKey: string): string {
  const name = attributeKey.replace(LABEL_INVALID_RUNS, '_').replace(UNDERSCORE_RUNS, '_');
  if (STARTS_WITH_DIGIT.test(name)) return `key_${name}`;
  return name.startsWith('_') ? `key${name}` : name;
}

/**
 * Attributes as labels, values stringified per the attribute specification. Keys that sanitise to the
 * same label keep all their values, joined by ';' in the lexicographic order of the original keys, as
 * the spec requires. Empty keys are not valid labels and are skipped.
 */
export function attributesToLabels(attributes: readonly Attribute[], into: Record<string, string> = {}): Record<string, string> {
  const sorted = [...attributes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const seen = new Set<string>();
  for (const { key, value } of sorted) {
    if (key === '') continue;
    const name = prometheusLabelName(key);
    const text = attributeValueToString(value);
    into[name] = seen.has(name) ? `${into[name]};${text}` : text;
    seen.add(name);
  }
  return into;
}
