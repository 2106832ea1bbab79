// The syntax tree of a parsed template (Go's text/template/parse nodes, for the subset alert templates
// use), and its text form, which Go's execution errors quote as their context.

export type Operand =
  | { kind: 'field'; pos: number; fields: string[] }
  | { kind: 'dot'; pos: number }
  | { kind: 'variable'; pos: number; name: string; fields: string[] }
  | { kind: 'function'; pos: number; name: string }
  | { kind: 'string'; pos: number; value: string; text: string }
  | { kind: 'number'; pos: number; value: number | bigint; text: string }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'nil'; pos: number }
  | { kind: 'pipe'; pos: number; pipe: Pipeline }
  | { kind: 'chain'; pos: number; node: Operand; fields: string[] };

export interface Command {
  pos: number;
  args: Operand[];
}

export interface Pipeline {
  pos: number;
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
}

export type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pos: number; pipe: Pipeline }
  | ControlNode
  | { kind: 'break' | 'continue'; pos: number };

export interface ControlNode {
  kind: 'if' | 'with' | 'range';
  pos: number;
  pipe: Pipeline;
  list: TemplateNode[];
  elseList: TemplateNode[];
}

/** A parsed template, ready to expand. */
export interface ParsedTemplate {
  readonly name: string;
  readonly text: string;
  readonly nodes: readonly TemplateNode[];
}

export function operandString(op: Operand): string {
  switch (op.kind) {
    case 'field':
      return op.fields.map((f) => `.${f}`).join('');
    case 'dot':
      return '.';
    case 'variable':
      return op.name + op.fields.map((f) => `.${f}`).join('');
    case 'function':
      return op.name;
    case 'string':
    case 'number':
      return op.text;
    case 'bool':
      return String(op.value);
    case 'nil':
      return 'nil';
    case 'pipe':
      return `(${pipelineString(op.pipe)})`;
    case 'chain':
      return operandString(op.node) + op.fields.map((f) => `.${f}`).join('');
  }
}

export function commandString(cmd: Command): string {
  return cmd.args.map(operandString).join(' ');
}

export function pipelineString(pipe: Pipeline): string {
  const decl = pipe.decl.length > 0 ? `${pipe.decl.join(', ')} ${pipe.isAssign ? '=' : ':='} ` : '';
  return decl + pipe.cmds.map(commandString).join(' | ');
}
