// The template parser: Go's text/template/parse (lex.go and parse.go) for the actions alert templates use,
// with Go's error messages (`template: <name>:<line>: <reason>`) so rule checks read like promtool's.

import { operandString, type Command, type Operand, type Pipeline, type TemplateNode } from './template-ast.js';
import { FUNCTIONS } from './template-functions.js';

/** A template that did not parse; the message is Go's `template: <name>:<line>: <reason>`. */
export class TemplateParseError extends Error {
  override name = 'TemplateParseError';
}

/** The nodes of a template's text; throws TemplateParseError. */
export function parseTemplateNodes(name: string, text: string): TemplateNode[] {
  return new Parser(name, text).parse();
}

// Lexer tokens of one action (Go's lex.go item types).
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
