// Alert label and annotation templates: the part of Go's text/template that Prometheus rule files use,
// with Prometheus' template functions. Like Prometheus (rules/alerting.go), the template text is prefixed
// with definitions of $labels, $externalLabels, $externalURL and $value, and parsed as one template, so
// parse errors, positions and variable scoping come out as Prometheus reports them. The parts: values
// (template-values.ts), Go formatting (go-format.ts), functions (template-functions.ts), syntax tree
// (template-ast.ts), parser (template-parser.ts) and executor (template-exec.ts).

import type { TemplateExpander } from './model.js';
import type { ParsedTemplate } from './template-ast.js';
import { executeTemplate } from './template-exec.js';
import { parseTemplateNodes, TemplateParseError } from './template-parser.js';

export type { ParsedTemplate } from './template-ast.js';
export { executeTemplate } from './template-exec.js';
export { TemplateParseError } from './template-parser.js';

/** What Prometheus prepends to every alert template (rules/alerting.go). */
const PROMETHEUS_DEFS =
  '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

/** Parses `text` as Prometheus parses an alert template (with its $labels… definitions prepended). */
export function parseTemplate(text: string, name = 'template'): ParsedTemplate {
  const full = PROMETHEUS_DEFS + text;
  return { name, text: full, nodes: parseTemplateNodes(name, full) };
}

/** Why a template does not parse (Go's message), or undefined when it parses. */
export function checkTemplate(text: string, name = 'template'): string | undefined {
  try {
    parseTemplate(text, name);
    return undefined;
  } catch (error) {
    if (error instanceof TemplateParseError) return error.message;
    throw error;
  }
}

const PARSED_CACHE_LIMIT = 1000;
const parsedCache = new Map<string, ParsedTemplate>();

/** Parsed templates are reused across evaluations; the cache is dropped whole when it grows too big. */
function cachedParse(name: string, text: string): ParsedTemplate {
  const key = `${name}\u0000${text}`;
  let parsed = parsedCache.get(key);
  if (!parsed) {
    if (parsedCache.size >= PARSED_CACHE_LIMIT) parsedCache.clear();
    parsed = parseTemplate(text, name);
    parsedCache.set(key, parsed);
  }
  return parsed;
}

/**
 * The TemplateExpander of model.ts. `name` is the template's name in error messages; Prometheus uses
 * `__alert_<alertname>`. Failures come back as `<error expanding template: ...>`, as Prometheus writes them.
 */
export const expandTemplate: TemplateExpander = (name, template, data) => {
  // Text without actions expands to itself; skipping the parse keeps the common case cheap.
  if (!template.includes('{{')) return template;
  try {
    return executeTemplate(cachedParse(name, template), data);
  } catch (error) {
    const message = error instanceof TemplateParseError ? `error parsing template ${name}: ${error.message}` : `error executing template ${name}: ${(error as Error).message}`;
    return `<error expanding template: ${message}>`;
  }
};
