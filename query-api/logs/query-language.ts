// The log search language: a tokenizer and a recursive-descent parser producing the store's LogQuery
// AST (collector/storage/api.ts), which every store evaluates the same way (log-match.ts).
//
//   query    := orExpr end
//   orExpr   := andExpr ('OR' andExpr)*
//   andExpr  := unary (['AND'] unary)*          juxtaposition is AND
//   unary    := ('NOT' | '-') unary | primary
//   primary  := '(' orExpr ')' | word['*'] | "phrase"['*'] | field
//   field    := name ':' (value | "phrase")    name: service, severity (level), trace_id, span_id or an
//             | ('severity'|'level') ('>='|'>'|'<='|'<') level     attribute key of the line or its resource
//
// Words match whole body words case-insensitively; `word*` matches words starting so; OR, AND and NOT
// are operators only in upper case. Errors name the 1-based character position: `query:7: expected ...`.
import { badRequest, type MeshscopeError } from '../../collector/errors.js';
import type { LogQuery, SeverityOperator } from '../../collector/storage/api.js';
import { matchesLog } from '../../collector/storage/log-match.js';

export { matchesLog };

type Token =
  | { kind: 'word'; text: string; position: number }
  | { kind: 'phrase'; text: string; prefix: boolean; position: number }
  | { kind: 'field'; name: string; operator: string; value: string; quoted: boolean; position: number }
  | { kind: 'lparen' | 'rparen' | 'minus' | 'and' | 'or' | 'not' | 'end'; position: number };

const FIELD = /^([A-Za-z_@][\w.@/-]*)(>=|<=|:|>|<)(.*)$/s;
const KEYWORDS: Record<string, Token['kind']> = { AND: 'and', OR: 'or', NOT: 'not' };
const SEVERITY_FIELDS = new Set(['severity', 'level']);

/** Parses query text; null for a blank query (which matches every line). Throws bad_request on bad syntax. */
export function parseLogQuery(text: string): LogQuery | null {
  const parser = new Parser(tokenize(text));
  return parser.parseQuery();
}

function syntaxError(position: number, message: string): MeshscopeError {
  return badRequest(`query:${position}: ${message}`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    const position = i + 1;
    if (/\s/.test(char)) {
      i++;
    } else if (char === '(' || char === ')') {
      tokens.push({ kind: char === '(' ? 'lparen' : 'rparen', position });
      i++;
    } else if (char === '"') {
      const phrase = readPhrase(text, i);
      // `"connection ref"*`: the phrase's last word is a prefix, as in FTS5.
      const prefix = text[phrase.next] === '*';
      tokens.push({ kind: 'phrase', text: phrase.text, prefix, position });
      i = prefix ? phrase.next + 1 : phrase.next;
    } else if (char === '-' && i + 1 < text.length && !/[\s)]/.test(text[i + 1])) {
      tokens.push({ kind: 'minus', position });
      i++;
    } else {
      i = readBare(text, i, tokens);
    }
  }
  tokens.push({ kind: 'end', position: text.length + 1 });
  return tokens;
}

/** A double-quoted phrase starting at `start`; `\"` and `\\` escape inside it. */
function readPhrase(text: string, start: number): { text: string; next: number } {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && i + 1 < text.length) value += text[++i];
    else if (text[i] === '"') return { text: value, next: i + 1 };
    else value += text[i];
  }
  throw syntaxError(start + 1, 'unterminated quoted phrase: expected \'"\' but found end of query');
}

/** A bare run (word, keyword or field) starting at `start`; returns where it ends. */
function readBare(text: string, start: number, tokens: Token[]): number {
  let end = start;
  while (end < text.length && !/[\s()"]/.test(text[end])) end++;
  const raw = text.slice(start, end);
  const position = start + 1;
  const keyword = KEYWORDS[raw];
  if (keyword !== undefined) {
    tokens.push({ kind: keyword, position } as Token);
    return end;
  }
  const field = FIELD.exec(raw);
  if (field === null) {
    tokens.push({ kind: 'word', text: raw, position });
    return end;
  }
  const [, name, operator, value] = field;
  if (value === '' && text[end] === '"') {
    const phrase = readPhrase(text, end);
    tokens.push({ kind: 'field', name, operator, value: phrase.text, quoted: true, position });
    return phrase.next;
  }
  if (value === '') throw syntaxError(end + 1, `expected a value after '${name}${operator}'`);
  tokens.push({ kind: 'field', name, operator, value, quoted: false, position });
  return end;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parseQuery(): LogQuery | null {
    if (this.peek().kind === 'end') return null;
    const query = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') throw syntaxError(next.position, `expected end of query but found ${describe(next)}`);
    return query;
  }

  private parseOr(): LogQuery {
    const children = [this.parseAnd()];
    while (this.peek().kind === 'or') {
      this.index++;
      children.push(this.parseAnd());
    }
    return combine('or', children);
  }

  private parseAnd(): LogQuery {
    const children = [this.parseUnary()];
    for (;;) {
      const next = this.peek().kind;
      if (next === 'and') {
        this.index++;
        children.push(this.parseUnary());
      } else if (next === 'end' || next === 'rparen' || next === 'or') {
        return combine('and', children);
      } else {
        children.push(this.parseUnary());
      }
    }
  }

  private parseUnary(): LogQuery {
    const token = this.peek();
    if (token.kind === 'not' || token.kind === 'minus') {
      this.index++;
      return { type: 'not', child: this.parseUnary() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): LogQuery {
    const token = this.next();
    switch (token.kind) {
      case 'lparen': {
        const inner = this.parseOr();
        const close = this.next();
        if (close.kind !== 'rparen') throw syntaxError(close.position, `expected ')' but found ${describe(close)}`);
        return inner;
      }
      case 'word':
        return wordNode(token.text, token.position);
      case 'phrase':
        return { type: 'text', text: token.text, prefix: token.prefix };
      case 'field':
        return fieldNode(token);
      default:
        throw syntaxError(token.position, `expected a search term but found ${describe(token)}`);
    }
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index];
    if (token.kind !== 'end') this.index++;
    return token;
  }
}

function wordNode(text: string, position: number): LogQuery {
  const { value, prefix } = wildcard(text, position);
  return { type: 'text', text: value, prefix };
}

function fieldNode(token: Extract<Token, { kind: 'field' }>): LogQuery {
  const name = token.name.toLowerCase();
  if (SEVERITY_FIELDS.has(name)) {
    if (!token.quoted && token.value.includes('*')) {
      throw syntaxError(token.position, `wildcards are not supported in '${token.name}'`);
    }
    const op: SeverityOperator = token.operator === ':' ? '=' : (token.operator as SeverityOperator);
    return { type: 'severity', op, level: token.value.toLowerCase() };
  }
  if (token.operator !== ':') {
    throw syntaxError(token.position, `expected ':' after '${token.name}' (comparisons apply only to severity)`);
  }
  const field = name === 'service' || name === 'trace_id' || name === 'span_id' ? name : token.name;
  if (token.quoted) return { type: 'field', field, value: token.value, prefix: false };
  const { value, prefix } = wildcard(token.value, token.position + token.name.length + 1);
  return { type: 'field', field, value, prefix };
}

/** A trailing `*` makes a prefix; a `*` anywhere else is refused rather than silently taken literally. */
function wildcard(text: string, position: number): { value: string; prefix: boolean } {
  const star = text.indexOf('*');
  if (star === -1) return { value: text, prefix: false };
  if (star !== text.length - 1) throw syntaxError(position + star, "'*' is allowed only at the end of a word");
  if (star === 0) throw syntaxError(position, "expected a word before '*'");
  return { value: text.slice(0, -1), prefix: true };
}

function combine(type: 'and' | 'or', children: LogQuery[]): LogQuery {
  if (children.length === 1) return children[0];
  // Nested groups of the same operator flatten, so stores see one list of conjuncts.
  return { type, children: children.flatMap((child) => (child.type === type ? child.children : [child])) };
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of query';
    case 'lparen':
      return "'('";
    case 'rparen':
      return "')'";
    case 'minus':
      return "'-'";
    case 'and':
    case 'or':
    case 'not':
      return `'${token.kind.toUpperCase()}'`;
    case 'word':
    case 'phrase':
      return `'${token.text}'`;
    case 'field':
      return `'${token.name}${token.operator}${token.value}'`;
  }
}
