// The attribute index of log blocks: per block, one token per distinct (key, value) pair of its lines'
// record and resource attributes, in an FTS5 table beside the body words (log-schema.ts). A field query on
// an attribute key (log-match.ts: the key exactly, the value as attributeValueToString text compared
// case-insensitively, whole or as a prefix) becomes one FTS5 term, or a prefix query on one, so blocks
// holding no line with that value are skipped unread. It only narrows: matchesLog still decides each line.
//
// The table's tokenizer (ATTRIBUTE_TOKENIZER) splits only at spaces, control characters and quotes, so a
// token is key + '=' + lower-cased value with just those characters escaped (as '%' and 4 hex digits of
// the UTF-16 code unit; '%' itself and surrogates too, which SQLite's UTF-8 would turn into U+FFFD when
// unpaired): escaping every character instead cost twice the encoder's time per line. The key is escaped
// outside a-z and 0-9, so the tokenizer's ASCII case folding keeps it exact and its '=' ends it. Escaping
// is per code unit, so an escaped prefix is a prefix of the escaped value.
// Keys and values are cut to their first MAX_INDEXED_CHARS code units: a longer value's token stands for
// every value sharing that start, which a query matches by cutting its value the same way (exact) or
// taking the cut value as the prefix. Cut keys merely share a token. Neither can drop a matching block.
import type { Attribute, AttributeValue } from '../../model/model.js';
import { attributeValueToString } from '../../model/attributes.js';
import type { LogQuery } from '../api.js';

/** Code units of a key or a lower-cased value that a token holds; bounds the index's size per distinct value. */
const MAX_INDEXED_CHARS = 64;
/** The FTS5 tokenizer of the attribute index: ASCII punctuation but quotes is part of a token, non-ASCII always is. */
export const ATTRIBUTE_TOKENIZER = `"ascii tokenchars '!#$%&()*+,-./:;<=>?@[\\]^_\`{|}~'"`;
const ESCAPED_IN_VALUE = /[\x00-\x20"'%\x7f\ud800-\udfff]/g;
/** The same, to test first: most values need no escaping, and a test is cheaper than a replace. */
const NEEDS_ESCAPING = /[\x00-\x20"'%\x7f\ud800-\udfff]/;
const ESCAPED_IN_KEY = /[^a-z0-9]/g;
/** Fields log-match.ts compares with the line's own fields, never with attributes. */
const LINE_FIELDS = new Set(['service', 'trace_id', 'span_id']);

/** Escaped keys by key: a batch's lines share a few keys. */
const escapedKeys = new Map<string, string>();
const MAX_REMEMBERED_KEYS = 1_000;

function escapeUnit(unit: string): string {
  return `%${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** The start of the tokens of a key: the key escaped, and '='. */
export function keyPart(key: string): string {
  let escaped = escapedKeys.get(key);
  if (escaped === undefined) {
    escaped = `${key.slice(0, MAX_INDEXED_CHARS).replace(ESCAPED_IN_KEY, escapeUnit)}=`;
    // The key may be a substring of a window of the request (protobuf-reader.ts); keep a copy of its own.
    if (escapedKeys.size < MAX_REMEMBERED_KEYS) escapedKeys.set(JSON.parse(JSON.stringify(key)) as string, escaped);
  }
  return escaped;
}

/** The end of a token: the value's text lower-cased, cut and escaped. */
export function valuePart(value: AttributeValue): string {
  return escapedValue(attributeValueToString(value).toLowerCase());
}

function escapedValue(lowerCased: string): string {
  const value = lowerCased.length > MAX_INDEXED_CHARS ? lowerCased.slice(0, MAX_INDEXED_CHARS) : lowerCased;
  return NEEDS_ESCAPING.test(value) ? value.replace(ESCAPED_IN_VALUE, escapeUnit) : value;
}

/** The tokens of a list of attributes (duplicates possible). */
export function attributeTokensOf(attributes: readonly Attribute[]): string[] {
  return attributes.map((attribute) => keyPart(attribute.key) + valuePart(attribute.value));
}

/**
 * The distinct tokens of a block. Kept as key part and value part and joined only once distinct:
 * hashing a joined token for a set costs flattening it, twice the time of the rest of the index per line.
 */
export class BlockTokens {
  private readonly valuesByKey = new Map<string, Set<string>>();
  private readonly whole = new Set<string>();

  add(keyPart: string, valuePart: string): void {
    let values = this.valuesByKey.get(keyPart);
    if (values === undefined) {
      values = new Set();
      this.valuesByKey.set(keyPart, values);
    }
    values.add(valuePart);
  }

  addTokens(tokens: readonly string[]): void {
    for (const token of tokens) this.whole.add(token);
  }

  /** The tokens, space-separated (a token may come twice, from a line and a resource: FTS5 keeps it once). */
  toString(): string {
    const tokens = [...this.whole];
    for (const [key, values] of this.valuesByKey) for (const value of values) tokens.push(key + value);
    return tokens.join(' ');
  }
}

/**
 * An FTS5 expression over block attribute tokens that every block holding a line matching the node also
 * matches, or undefined when there is none (text and severity nodes, line fields, NOT, an OR with such a
 * child). Tokens hold no quote, so quoted they are read as one token and never as syntax. `usePrefix` says
 * whether a prefix (the start of the tokens it stands for) is worth a prefix query: FTS5 merges the lists
 * of every token it covers, which for `user.id:u*` over a day of distinct ids costs more than the blocks
 * it would skip; a prefix it refuses leaves its node to the per-line check.
 */
export function blockAttributesExpressionOf(node: LogQuery, usePrefix: (tokenPrefix: string) => boolean = () => true): string | undefined {
  const expression = (child: LogQuery): string | undefined => blockAttributesExpressionOf(child, usePrefix);
  switch (node.type) {
    case 'field': {
      if (LINE_FIELDS.has(node.field)) return undefined;
      const token = `${keyPart(node.field)}${escapedValue(node.value.toLowerCase())}`;
      if (!node.prefix) return `"${token}"`;
      return usePrefix(token) ? `"${token}"*` : undefined;
    }
    case 'or': {
      const parts = node.children.map(expression);
      // An empty `or` matches nothing; leave it to the per-line check rather than emit `()`.
      return parts.length > 0 && parts.every((part) => part !== undefined) ? `(${parts.join(' OR ')})` : undefined;
    }
    case 'and': {
      const parts = node.children.map(expression).filter((part) => part !== undefined);
      return parts.length === 0 ? undefined : `(${parts.join(' AND ')})`;
    }
    default:
      return undefined;
  }
}
