// Exact evaluation of a LogQuery against one log line, shared by every store: the in-memory store
// filters with it alone, and the SQLite store uses it as the final check after its index prefilter, so
// both answer the same. Word splitting mirrors SQLite FTS5's unicode61 tokenizer (runs of letters,
// numbers and private-use characters, case folded, diacritics kept), so an FTS5 MATCH and this check agree.
import type { Attribute, LogRecord } from '../model/model.js';
import { attributeValueToString } from '../model/attributes.js';
import { SEVERITY_LEVELS, type LogQuery } from './api.js';

const WORD_SEPARATORS = /[^\p{L}\p{N}\p{Co}]+/u;

/** The lower-cased words of a text, as FTS5's unicode61 tokenizer splits it. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().split(WORD_SEPARATORS).filter((word) => word !== '');
}

/** The text the full-text index holds for a log body: strings as they are, other values as text. */
export function logBodyText(log: Pick<LogRecord, 'body'>): string {
  return log.body === null ? '' : attributeValueToString(log.body);
}

/** The line's time: its event time, or when it has none, when it was observed. */
export function logTimeOf(log: Pick<LogRecord, 'timeUnixNano' | 'observedTimeUnixNano'>): bigint {
  return log.timeUnixNano === 0n ? log.observedTimeUnixNano : log.timeUnixNano;
}

export function matchesLog(query: LogQuery | null, log: LogRecord): boolean {
  if (query === null) return true;
  return new LineMatcher(log).matches(query);
}

/** Evaluates one line, splitting its body into words at most once however many text nodes ask. */
class LineMatcher {
  private bodyWords: string[] | undefined;

  constructor(private readonly log: LogRecord) {}

  matches(node: LogQuery): boolean {
    switch (node.type) {
      case 'and':
        return node.children.every((child) => this.matches(child));
      case 'or':
        return node.children.some((child) => this.matches(child));
      case 'not':
        return !this.matches(node.child);
      case 'text':
        return this.matchesText(wordsOf(node.text), node.prefix);
      case 'field':
        return this.matchesField(node.field, node.value.toLowerCase(), node.prefix);
      case 'severity':
        return matchesSeverity(node.op, node.level, this.log.severityNumber, this.log.severityText);
    }
  }

  /** The words occur consecutively in the body; with prefix, the last only has to start a body word. */
  private matchesText(words: string[], prefix: boolean): boolean {
    if (words.length === 0) return true;
    this.bodyWords ??= wordsOf(logBodyText(this.log));
    const body = this.bodyWords;
    for (let start = 0; start + words.length <= body.length; start++) {
      let all = true;
      for (let i = 0; i < words.length && all; i++) {
        const last = i === words.length - 1;
        all = last && prefix ? body[start + i].startsWith(words[i]) : body[start + i] === words[i];
      }
      if (all) return true;
    }
    return false;
  }

  private matchesField(field: string, value: string, prefix: boolean): boolean {
    const equals = (stored: string): boolean => {
      const text = stored.toLowerCase();
      return prefix ? text.startsWith(value) : text === value;
    };
    switch (field) {
      case 'service':
        return equals(this.log.serviceName);
      case 'trace_id':
        return this.log.traceId !== '' && equals(this.log.traceId);
      case 'span_id':
        return this.log.spanId !== '' && equals(this.log.spanId);
      default:
        return hasAttribute(this.log.attributes, field, equals) || hasAttribute(this.log.resource.attributes, field, equals);
    }
  }
}

function hasAttribute(attributes: Attribute[], key: string, equals: (stored: string) => boolean): boolean {
  return attributes.some((attribute) => attribute.key === key && equals(attributeValueToString(attribute.value)));
}

/** A severity comparison (see LogQuery 'severity'); an unknown level name can only match text exactly. */
export function matchesSeverity(op: string, level: string, severityNumber: number, severityText: string): boolean {
  const range = SEVERITY_LEVELS[level.toLowerCase()];
  if (op === '=') {
    if (severityText.toLowerCase() === level.toLowerCase()) return true;
    return range !== undefined && severityNumber >= range.min && severityNumber <= range.max;
  }
  if (range === undefined) return false;
  const number = severityNumber !== 0 ? severityNumber : SEVERITY_LEVELS[severityText.toLowerCase()]?.min;
  if (number === undefined) return false;
  switch (op) {
    case '>=':
      return number >= range.min;
    case '>':
      return number > range.max;
    case '<=':
      return number <= range.max;
    default:
      return number < range.min;
  }
}
