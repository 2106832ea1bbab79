// The typed PromQL syntax tree the engine evaluates. Times and durations are milliseconds.

import { FUNCTION_SIGNATURES } from './function-signatures.js';
import type { LabelMatcher } from './series-source.js';

export type ValueType = 'scalar' | 'string' | 'vector' | 'matrix';

/** `@ <time>`, `@ start()` or `@ end()`; the engine resolves start/end against the query range. */
export type AtModifier = { kind: 'time'; timeMs: number } | { kind: 'start' } | { kind: 'end' };

export interface NumberLiteral {
  type: 'number';
  value: number;
}

export interface StringLiteral {
  type: 'string';
  value: string;
}

export interface VectorSelector {
  type: 'vectorSelector';
  /** Metric name if written before the braces (it is also present as a `__name__` matcher). */
  name?: string;
  matchers: LabelMatcher[];
  offsetMs: number;
  at?: AtModifier;
}

export interface MatrixSelector {
  type: 'matrixSelector';
  selector: VectorSelector;
  rangeMs: number;
}

export interface Subquery {
  type: 'subquery';
  expr: Expr;
  rangeMs: number;
  /** Absent means the engine's default subquery step. */
  stepMs?: number;
  offsetMs: number;
  at?: AtModifier;
}

export interface Call {
  type: 'call';
  func: string;
  args: Expr[];
}

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values';

export interface Aggregate {
  type: 'aggregate';
  op: AggregateOp;
  expr: Expr;
  param?: Expr;
  grouping: string[];
  without: boolean;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: Cardinality;
  /** True for `on(...)`, false for `ignoring(...)` or no clause. */
  on: boolean;
  labels: string[];
  /** Labels copied from the "one" side with group_left/group_right. */
  include: string[];
}

export interface Binary {
  type: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  matching: VectorMatching;
}

export interface Unary {
  type: 'unary';
  op: '-' | '+';
  expr: Expr;
}

export interface Paren {
  type: 'paren';
  expr: Expr;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | Subquery
  | Call
  | Aggregate
  | Binary
  | Unary
  | Paren;

export function isComparisonOp(op: BinaryOp): op is ComparisonOp {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

export function isSetOp(op: BinaryOp): op is SetOp {
  return op === 'and' || op === 'or' || op === 'unless';
}

/** The value type an expression evaluates to (Prometheus' Expr.Type()). */
export function valueTypeOf(expr: Expr): ValueType {
  switch (expr.type) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vectorSelector':
    case 'aggregate':
      return 'vector';
    case 'matrixSelector':
    case 'subquery':
      return 'matrix';
    case 'call':
      return FUNCTION_SIGNATURES[expr.func]?.returns ?? 'vector';
    case 'binary': {
      const lhs = valueTypeOf(expr.lhs);
      const rhs = valueTypeOf(expr.rhs);
      return lhs === 'scalar' && rhs === 'scalar' ? 'scalar' : 'vector';
    }
    case 'unary':
    case 'paren':
      return valueTypeOf(expr.expr);
  }
}
