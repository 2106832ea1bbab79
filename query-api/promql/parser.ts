// PromQL text -> typed AST. The Prometheus project's Lezer grammar does the tokenising and precedence;
// this module rejects what the grammar tolerates (error nodes, unsupported features) and applies the
// type checks Prometheus' parser makes, with its "line:col: parse error: ..." messages.

import { parser as lezerParser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import {
  isComparisonOp,
  isSetOp,
  valueTypeOf,
  type AggregateOp,
  type AtModifier,
  type BinaryOp,
  type Expr,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from './ast.js';
import { parsePrometheusDurationMs } from '../../collector/model/prometheus-duration.js';
import { parseError, type PromqlError } from './errors.js';
import { describeType, FUNCTION_SIGNATURES, UNSUPPORTED_FUNCTION_REASONS } from './function-signatures.js';
import { anchoredRegExp, type LabelMatcher, type MatchOp } from './series-source.js';

const EXPR_NODES = new Set([
  'AggregateExpr',
  'BinaryExpr',
  'FunctionCall',
  'MatrixSelector',
  'NumberDurationLiteral',
  'OffsetExpr',
  'AnchoredExpr',
  'SmoothedExpr',
  'ParenExpr',
  'StringLiteral',
  'SubqueryExpr',
  'UnaryExpr',
  'VectorSelector',
  'StepInvariantExpr',
]);

const BINARY_OPS: Record<string, BinaryOp> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

const AGGREGATE_OPS = new Set<AggregateOp>([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
]);
/** The aggregations that take a parameter, and its type. */
const AGGREGATE_PARAMETER_TYPES: Partial<Record<AggregateOp, ValueType>> = {
  topk: 'scalar',
  bottomk: 'scalar',
  quantile: 'scalar',
  count_values: 'string',
};

/** Parses a PromQL expression; throws PromqlError ('bad_data') on any syntax or type error. */
export function parsePromql(query: string): Expr {
  if (query.trim() === '') throw parseError(query, 0, 'no expression found in input');
  const tree = lezerParser.parse(query);
  const error = firstErrorNode(tree.topNode);
  if (error) throw unexpectedInput(query, error.from);
  const root = expressionChildren(tree.topNode)[0];
  if (!root) throw parseError(query, 0, 'no expression found in input');
  return new Converter(query).convert(root);
}

/** Parses a duration such as `5m` or `1h30m` (or a plain number of seconds) to milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  return parsePrometheusDurationMs(text);
}

function firstErrorNode(top: SyntaxNode): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  top.cursor().iterate((ref) => {
    if (found) return false;
    if (ref.type.isError) found = ref.node;
    return undefined;
  });
  return found;
}

function unexpectedInput(query: string, offset: number): PromqlError {
  // The grammar only knows the built-in function names, so `foo(` fails at the parenthesis.
  const unknownCall = /([A-Za-z_:][\w:]*)\s*$/.exec(query.slice(0, offset));
  if (unknownCall && query.slice(offset).trimStart().startsWith('(')) {
    return parseError(query, unknownCall.index, `unknown function with name ${JSON.stringify(unknownCall[1])}`);
  }
  return parseError(query, offset, describeUnexpected(query, offset));
}

function describeUnexpected(query: string, offset: number): string {
  const rest = query.slice(offset).trimStart();
  if (rest === '') return 'unexpected end of input';
  const token = /^([A-Za-z_:][\w:]*|\d[\w.]*|"[^"]*"?|'[^']*'?|\S)/.exec(rest)?.[0] ?? rest[0];
  return `unexpected ${JSON.stringify(token)}`;
}

function expressionChildren(node: SyntaxNode): SyntaxNode[] {
  return childrenOf(node).filter((child) => EXPR_NODES.has(child.name));
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const children: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) children.push(child);
  return children;
}

class Converter {
  constructor(private readonly query: string) {}

  convert(node: SyntaxNode): Expr {
    switch (node.name) {
      case 'NumberDurationLiteral':
        return { type: 'number', value: this.number(node) };
      case 'StringLiteral':
        return { type: 'string', value: this.string(node) };
      case 'VectorSelector':
        return this.vectorSelector(node);
      case 'MatrixSelector':
        return this.matrixSelector(node);
      case 'SubqueryExpr':
        return this.subquery(node);
      case 'OffsetExpr':
        return this.offset(node);
      case 'StepInvariantExpr':
        return this.at(node);
      case 'ParenExpr':
        return { type: 'paren', expr: this.convert(this.onlyExpr(node)) };
      case 'UnaryExpr':
        return this.unary(node);
      case 'BinaryExpr':
        return this.binary(node);
      case 'FunctionCall':
        return this.call(node);
      case 'AggregateExpr':
        return this.aggregate(node);
      default:
        throw this.error(node, `${node.name} is not supported`);
    }
  }

  private error(node: SyntaxNode, detail: string): PromqlError {
    return parseError(this.query, node.from, detail);
  }

  private text(node: SyntaxNode): string {
    return this.query.slice(node.from, node.to);
  }

  private onlyExpr(node: SyntaxNode): SyntaxNode {
    const child = expressionChildren(node)[0];
    if (!child) throw this.error(node, 'expression expected');
    return child;
  }

  private number(node: SyntaxNode): number {
    const text = this.text(node).replace(/\s+/g, '');
    const sign = text.startsWith('-') ? -1 : 1;
    const unsigned = text.replace(/^[-+]/, '').replace(/_/g, '');
    const lower = unsigned.toLowerCase();
    if (lower === 'inf') return sign * Infinity;
    if (lower === 'nan') return NaN;
    if (/^(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(unsigned) || /^0x[0-9a-f]+$/i.test(unsigned)) {
      return sign * Number(unsigned);
    }
    const durationMs = parseDurationMs(unsigned);
    if (durationMs === undefined) throw this.error(node, `bad number or duration syntax: ${JSON.stringify(text)}`);
    return (sign * durationMs) / 1000;
  }

  private string(node: SyntaxNode): string {
    const unquoted = unquote(this.text(node));
    if (unquoted === undefined) throw this.error(node, `invalid string literal ${this.text(node)}`);
    return unquoted;
  }

  private vectorSelector(node: SyntaxNode): VectorSelector {
    const identifier = node.getChild('Identifier');
    const matchersNode = node.getChild('LabelMatchers');
    const matchers: LabelMatcher[] = [];
    const name = identifier ? this.text(identifier) : undefined;
    if (name !== undefined) matchers.push({ name: '__name__', op: '=', value: name });
    for (const child of matchersNode ? childrenOf(matchersNode) : []) {
      const matcher = this.labelMatcher(child);
      if (matcher) matchers.push(matcher);
    }
    if (name !== undefined && matchers.some((m, i) => i > 0 && m.name === '__name__')) {
      throw this.error(node, `metric name must not be set twice: ${JSON.stringify(name)}`);
    }
    // Prometheus refuses selectors that would match every series, e.g. {job=~".*"}.
    if (!matchers.some((m) => !matcherMatchesEmpty(m))) {
      throw this.error(node, 'vector selector must contain at least one non-empty matcher');
    }
    return { type: 'vectorSelector', name, matchers, offsetMs: 0 };
  }

  private labelMatcher(node: SyntaxNode): LabelMatcher | undefined {
    if (node.name === 'QuotedLabelName') {
      return { name: '__name__', op: '=', value: this.string(node.firstChild ?? node) };
    }
    if (node.name !== 'UnquotedLabelMatcher' && node.name !== 'QuotedLabelMatcher') return undefined;
    const nameNode = node.firstChild;
    const opNode = node.getChild('MatchOp');
    const valueNode = node.lastChild;
    if (!nameNode || !opNode || !valueNode) throw this.error(node, 'invalid label matcher');
    const name = nameNode.name === 'LabelName' ? this.text(nameNode) : this.string(nameNode.firstChild ?? nameNode);
    const op = this.text(opNode) as MatchOp;
    const value = this.string(valueNode);
    if (op === '=~' || op === '!~') {
      try {
        anchoredRegExp(value);
      } catch (e) {
        throw this.error(valueNode, (e as Error).message);
      }
    }
    return { name, op, value };
  }

  /**
   * Prometheus binds offset, @, ranges and subqueries tighter than any operator, but the Lezer grammar
   * attaches them to a whole unparenthesised operation (`a - b offset 1m`); move them onto the
   * rightmost operand and re-check the operation.
   */
  private postfix(node: SyntaxNode, apply: (target: Expr) => Expr): Expr {
    return this.pushDown(node, this.convert(this.onlyExpr(node)), apply);
  }

  private pushDown(node: SyntaxNode, target: Expr, apply: (target: Expr) => Expr): Expr {
    if (target.type === 'binary') {
      const rhs = this.pushDown(node, target.rhs, apply);
      this.checkBinary(node, target.op, target.lhs, rhs, target.returnBool, target.matching);
      return { ...target, rhs };
    }
    if (target.type === 'unary') {
      const operand = this.pushDown(node, target.expr, apply);
      this.checkUnary(node, operand);
      return { ...target, expr: operand };
    }
    return apply(target);
  }

  private matrixSelector(node: SyntaxNode): Expr {
    return this.postfix(node, (inner) => this.toMatrixSelector(node, inner));
  }

  private toMatrixSelector(node: SyntaxNode, inner: Expr): Expr {
    if (inner.type !== 'vectorSelector') throw this.error(node, 'ranges only allowed for vector selectors');
    if (inner.offsetMs !== 0 || inner.at) {
      throw this.error(node, 'no offset or @ modifiers allowed before range');
    }
    const rangeMs = this.duration(node.getChild('DurationExpr'), node);
    return { type: 'matrixSelector', selector: inner, rangeMs };
  }

  private subquery(node: SyntaxNode): Expr {
    return this.postfix(node, (inner) => this.toSubquery(node, inner));
  }

  private toSubquery(node: SyntaxNode, inner: Expr): Expr {
    const innerType = valueTypeOf(inner);
    if (innerType !== 'vector') {
      throw this.error(node, `subquery is only allowed on instant vector, got ${describeType(innerType)} instead`);
    }
    const durations = node.getChildren('DurationExpr');
    const rangeMs = this.duration(durations[0], node);
    const stepMs = durations[1] ? this.duration(durations[1], node) : undefined;
    return { type: 'subquery', expr: inner, rangeMs, stepMs, offsetMs: 0 };
  }

  private duration(node: SyntaxNode | null | undefined, parent: SyntaxNode): number {
    const literal = node?.getChild('NumberDurationLiteralInDurationContext');
    if (!node || !literal || literal.from !== node.from || literal.to !== node.to) {
      throw this.error(node ?? parent, 'duration expressions are not supported; use a literal such as 5m');
    }
    const ms = parseDurationMs(this.text(literal));
    if (ms === undefined) throw this.error(literal, `bad duration syntax: ${JSON.stringify(this.text(literal))}`);
    if (ms <= 0) throw this.error(literal, 'duration must be greater than 0');
    return ms;
  }

  private offset(node: SyntaxNode): Expr {
    const offsetMs = this.signedDuration(node.getChild('OffsetDurationExpr'), node);
    return this.postfix(node, (target) => this.withOffset(node, target, offsetMs));
  }

  private withOffset(node: SyntaxNode, target: Expr, offsetMs: number): Expr {
    const selector = target.type === 'matrixSelector' ? target.selector : target;
    if (selector.type !== 'vectorSelector' && selector.type !== 'subquery') {
      throw this.error(node, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    }
    if (selector.offsetMs !== 0) throw this.error(node, 'offset may not be set multiple times');
    selector.offsetMs = offsetMs;
    return target;
  }

  private signedDuration(node: SyntaxNode | null, parent: SyntaxNode): number {
    if (!node) throw this.error(parent, 'duration expected');
    const unary = node.getChild('UnaryOp');
    const inner = node.getChild('OffsetDurationExpr');
    if (unary && inner) return (this.text(unary) === '-' ? -1 : 1) * this.signedDuration(inner, parent);
    const literal = node.getChild('NumberDurationLiteralInDurationContext');
    const ms = literal ? parseDurationMs(this.text(literal)) : undefined;
    if (ms === undefined) throw this.error(node, 'duration expressions are not supported; use a literal such as 5m');
    return ms;
  }

  private at(node: SyntaxNode): Expr {
    const preprocessor = node.getChild('AtModifierPreprocessors');
    const timeNode = node.getChild('NumberDurationLiteral');
    let at: AtModifier;
    if (preprocessor) at = { kind: this.text(preprocessor) === 'start' ? 'start' : 'end' };
    else if (timeNode) at = { kind: 'time', timeMs: Math.round(this.number(timeNode) * 1000) };
    else throw this.error(node, 'invalid @ modifier');
    return this.postfix(node, (target) => this.withAt(node, target, at));
  }

  private withAt(node: SyntaxNode, target: Expr, at: AtModifier): Expr {
    const selector = target.type === 'matrixSelector' ? target.selector : target;
    if (selector.type !== 'vectorSelector' && selector.type !== 'subquery') {
      throw this.error(node, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    }
    if (selector.at) throw this.error(node, '@ <timestamp> may not be set multiple times');
    selector.at = at;
    return target;
  }

  private unary(node: SyntaxNode): Expr {
    const op = this.text(node.getChild('UnaryOp') ?? node).startsWith('-') ? '-' : '+';
    const operand = this.convert(this.onlyExpr(node));
    this.checkUnary(node, operand);
    if (operand.type === 'number') return { type: 'number', value: op === '-' ? -operand.value : operand.value };
    return { type: 'unary', op, expr: operand };
  }

  private checkUnary(node: SyntaxNode, operand: Expr): void {
    const type = valueTypeOf(operand);
    if (type !== 'scalar' && type !== 'vector') {
      throw this.error(node, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(describeType(type))}`);
    }
  }

  private binary(node: SyntaxNode): Expr {
    const [lhsNode, rhsNode] = expressionChildren(node);
    const opNode = childrenOf(node).find((child) => child.name in BINARY_OPS);
    if (!lhsNode || !rhsNode || !opNode) throw this.error(node, 'invalid binary expression');
    if (node.getChild('FillModifier')) throw this.error(node, 'fill modifiers are not supported');
    const op = BINARY_OPS[opNode.name] as BinaryOp;
    const lhs = this.convert(lhsNode);
    const rhs = this.convert(rhsNode);
    const returnBool = node.getChild('BoolModifier') !== null;
    const matching = this.vectorMatching(node.getChild('MatchingModifierClause'), op);
    this.checkBinary(opNode, op, lhs, rhs, returnBool, matching);
    return { type: 'binary', op, lhs, rhs, returnBool, matching };
  }

  private vectorMatching(clause: SyntaxNode | null, op: BinaryOp): VectorMatching {
    const matching: VectorMatching = {
      card: isSetOp(op) ? 'many-to-many' : 'one-to-one',
      on: false,
      labels: [],
      include: [],
    };
    if (!clause) return matching;
    const groupings = clause.getChildren('GroupingLabels');
    matching.on = clause.getChild('On') !== null;
    matching.labels = this.groupingLabels(groupings[0]);
    const groupLeft = clause.getChild('GroupLeft');
    const groupRight = clause.getChild('GroupRight');
    if (groupLeft || groupRight) {
      if (isSetOp(op)) throw this.error(clause, `no grouping allowed for ${JSON.stringify(op)} operation`);
      matching.card = groupLeft ? 'many-to-one' : 'one-to-many';
      matching.include = this.groupingLabels(groupings[1]);
      const both = matching.on ? matching.include.find((label) => matching.labels.includes(label)) : undefined;
      if (both) throw this.error(clause, `label ${JSON.stringify(both)} must not occur in ON and GROUP clause at once`);
    }
    return matching;
  }

  private groupingLabels(node: SyntaxNode | undefined): string[] {
    if (!node) return [];
    return childrenOf(node)
      .filter((child) => child.name === 'LabelName' || child.name === 'QuotedLabelName')
      .map((child) => (child.name === 'LabelName' ? this.text(child) : this.string(child.firstChild ?? child)));
  }

  private checkBinary(
    at: SyntaxNode,
    op: BinaryOp,
    lhs: Expr,
    rhs: Expr,
    returnBool: boolean,
    matching: VectorMatching,
  ): void {
    const lhsType = valueTypeOf(lhs);
    const rhsType = valueTypeOf(rhs);
    const operandOk = (t: ValueType) => t === 'scalar' || t === 'vector';
    if (!operandOk(lhsType) || !operandOk(rhsType)) {
      throw this.error(at, 'binary expression must contain only scalar and instant vector types');
    }
    if (returnBool && !isComparisonOp(op)) throw this.error(at, 'bool modifier can only be used on comparison operators');
    const bothScalar = lhsType === 'scalar' && rhsType === 'scalar';
    if (bothScalar && isComparisonOp(op) && !returnBool) {
      throw this.error(at, 'comparisons between scalars must use BOOL modifier');
    }
    if (isSetOp(op) && (lhsType === 'scalar' || rhsType === 'scalar')) {
      throw this.error(at, `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`);
    }
    const hasMatchingClause = matching.on || matching.labels.length > 0 || matching.card === 'many-to-one' || matching.card === 'one-to-many';
    if (hasMatchingClause && (lhsType !== 'vector' || rhsType !== 'vector')) {
      throw this.error(at, 'vector matching only allowed between instant vectors');
    }
    if (matching.card !== 'many-to-many' && isSetOp(op)) throw this.error(at, 'set operations must always be many-to-many');
  }

  private call(node: SyntaxNode): Expr {
    const identifier = node.getChild('FunctionIdentifier') ?? node;
    const func = this.text(identifier);
    const signature = FUNCTION_SIGNATURES[func];
    if (!signature) {
      const reason = UNSUPPORTED_FUNCTION_REASONS[func];
      throw this.error(identifier, `function ${JSON.stringify(func)} is not supported${reason === undefined ? '' : `: ${reason}`}`);
    }
    const body = node.getChild('FunctionCallBody');
    const args = body ? expressionChildren(body).map((arg) => this.convert(arg)) : [];
    const max = signature.variadic ? Infinity : signature.args.length;
    if (args.length < signature.minArgs || args.length > max) {
      const expected = signature.minArgs === max ? `${max}` : `at least ${signature.minArgs}`;
      throw this.error(node, `expected ${expected} argument(s) in call to ${JSON.stringify(func)}, got ${args.length}`);
    }
    args.forEach((arg, i) => {
      const want = signature.args[Math.min(i, signature.args.length - 1)] as ValueType;
      const got = valueTypeOf(arg);
      if (got !== want) {
        throw this.error(node, `expected type ${describeType(want)} in call to function ${JSON.stringify(func)}, got ${describeType(got)}`);
      }
    });
    return { type: 'call', func, args };
  }

  private aggregate(node: SyntaxNode): Expr {
    const opText = this.text(node.getChild('AggregateOp') ?? node) as AggregateOp;
    if (!AGGREGATE_OPS.has(opText)) throw this.error(node, `aggregation ${JSON.stringify(opText)} is not supported`);
    const modifier = node.getChild('AggregateModifier');
    const body = node.getChild('FunctionCallBody');
    const args = body ? expressionChildren(body).map((arg) => this.convert(arg)) : [];
    const paramType = AGGREGATE_PARAMETER_TYPES[opText];
    const wantArgs = paramType === undefined ? 1 : 2;
    if (args.length !== wantArgs) {
      throw this.error(node, `wrong number of arguments for aggregate expression provided, expected ${wantArgs}, got ${args.length}`);
    }
    const expr = args[wantArgs - 1] as Expr;
    const param = wantArgs === 2 ? args[0] : undefined;
    const exprType = valueTypeOf(expr);
    if (exprType !== 'vector') {
      throw this.error(node, `expected type instant vector in aggregation expression, got ${describeType(exprType)}`);
    }
    if (param && paramType && valueTypeOf(param) !== paramType) {
      throw this.error(node, `expected type ${describeType(paramType)} in aggregation parameter, got ${describeType(valueTypeOf(param))}`);
    }
    return {
      type: 'aggregate',
      op: opText,
      expr,
      param,
      grouping: this.groupingLabels(modifier?.getChild('GroupingLabels') ?? undefined),
      without: modifier?.getChild('Without') != null,
    };
  }
}

function matcherMatchesEmpty(matcher: LabelMatcher): boolean {
  switch (matcher.op) {
    case '=':
      return matcher.value === '';
    case '!=':
      return matcher.value !== '';
    case '=~':
      return anchoredRegExp(matcher.value).test('');
    case '!~':
      return !anchoredRegExp(matcher.value).test('');
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Go's strconv.Unquote for PromQL strings: "..." and '...' with escapes, `...` raw. */
export function unquote(literal: string): string | undefined {
  const quote = literal[0];
  if (literal.length < 2 || literal[literal.length - 1] !== quote) return undefined;
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  if (quote !== '"' && quote !== "'") return undefined;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[i + 1] ?? '';
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i += 1;
      continue;
    }
    const hexLength = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    const octal = /^[0-7]{3}$/.test(body.slice(i + 1, i + 4));
    const digits = hexLength ? body.slice(i + 2, i + 2 + hexLength) : octal ? body.slice(i + 1, i + 4) : '';
    if (hexLength && !new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(digits)) return undefined;
    if (!hexLength && !octal) return undefined;
    out += String.fromCodePoint(parseInt(digits, hexLength ? 16 : 8));
    i += hexLength ? 1 + hexLength : 3;
  }
  return out;
}
