// The template executor: Go's text/template/exec.go for the nodes of template-ast.ts, with Go's error
// messages (`template: <name>:<line>:<col>: executing "<name>" at <context>: <reason>`).

import { sortedLabelNames } from './go-compat.js';
import { formatValue } from './go-format.js';
import type { TemplateData } from './model.js';
import { commandString, operandString, pipelineString, type Command, type ControlNode, type Operand, type ParsedTemplate, type Pipeline, type TemplateNode } from './template-ast.js';
import { FUNCTIONS, type ParamType, type TemplateFunction } from './template-functions.js';
import { AlertData, FunctionError, goTypeName, LabelMap, truth, type Value } from './template-values.js';

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
    // Go ranges over a map in key order, comparing strings by UTF-8 bytes.
    const keys = sortedLabelNames(value.labels);
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
