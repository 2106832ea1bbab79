// Small Jaeger traces for the model's unit tests, written as the API returns them.
import type { JaegerSpan, JaegerTrace, KeyValue } from '../api/schemas.js';

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

export interface SpanSpec {
  id: string;
  parent?: string;
  service: string;
  operation?: string;
  startUs: number;
  durationUs: number;
  error?: boolean;
  followsFrom?: boolean;
}

export function spanOf(spec: SpanSpec): JaegerSpan {
  const tags: KeyValue[] = spec.error ? [{ key: 'error', type: 'bool', value: true }] : [];
  return {
    traceID: TRACE_ID,
    spanID: spec.id,
    operationName: spec.operation ?? `op-${spec.id}`,
    references: spec.parent === undefined ? [] : [{ refType: spec.followsFrom ? 'FOLLOWS_FROM' : 'CHILD_OF', traceID: TRACE_ID, spanID: spec.parent }],
    startTime: spec.startUs,
    duration: spec.durationUs,
    tags,
    logs: [],
    processID: spec.service,
    warnings: [],
  };
}

/** Process ids are the service names, which keeps specs short. */
export function traceOf(specs: SpanSpec[]): JaegerTrace {
  const processes: JaegerTrace['processes'] = {};
  for (const spec of specs) processes[spec.service] = { serviceName: spec.service, tags: [{ key: 'host.name', type: 'string', value: `${spec.service}-1` }] };
  return { traceID: TRACE_ID, spans: specs.map(spanOf), processes, warnings: [] };
}
