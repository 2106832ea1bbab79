// Schemas of what the hub's HTTP API answers. Every response is parsed with these before the UI uses it,
// so a server change shows as one clear error instead of a blank or half-drawn page.
import { z } from 'zod';

export const keyValueSchema = z.object({
  key: z.string(),
  type: z.string(),
  value: z.union([z.string(), z.number(), z.boolean()]),
});

export const referenceSchema = z.object({
  refType: z.enum(['CHILD_OF', 'FOLLOWS_FROM']),
  traceID: z.string(),
  spanID: z.string(),
});

export const spanLogSchema = z.object({
  /** Microseconds since the Unix epoch. */
  timestamp: z.number(),
  fields: z.array(keyValueSchema),
});

export const jaegerSpanSchema = z.object({
  traceID: z.string(),
  spanID: z.string(),
  operationName: z.string(),
  references: z.array(referenceSchema).nullish().transform((value) => value ?? []),
  /** Microseconds since the Unix epoch. */
  startTime: z.number(),
  /** Microseconds. */
  duration: z.number(),
  tags: z.array(keyValueSchema).nullish().transform((value) => value ?? []),
  logs: z.array(spanLogSchema).nullish().transform((value) => value ?? []),
  processID: z.string(),
  warnings: z.array(z.string()).nullish().transform((value) => value ?? []),
});

export const processSchema = z.object({
  serviceName: z.string(),
  tags: z.array(keyValueSchema).nullish().transform((value) => value ?? []),
});

export const jaegerTraceSchema = z.object({
  traceID: z.string(),
  spans: z.array(jaegerSpanSchema),
  processes: z.record(z.string(), processSchema),
  warnings: z.array(z.string()).nullish().transform((value) => value ?? []),
});

export const dependencyLinkSchema = z.object({
  parent: z.string(),
  child: z.string(),
  callCount: z.number(),
});

export const logLineSchema = z.object({
  id: z.string(),
  /** RFC 3339 with nanoseconds. */
  timestamp: z.string(),
  severity: z.string(),
  severityNumber: z.number(),
  service: z.string(),
  body: z.unknown(),
  traceId: z.string(),
  spanId: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  resource: z.record(z.string(), z.unknown()),
});

/** Jaeger's envelope: `data` plus `errors` that may name traces it could not load. */
export function jaegerEnvelope<T extends z.ZodType>(data: T) {
  return z.object({
    data: data,
    errors: z
      .array(z.object({ code: z.number().optional(), msg: z.string(), traceID: z.string().optional() }))
      .nullish(),
  });
}

export type KeyValue = z.infer<typeof keyValueSchema>;
export type SpanReference = z.infer<typeof referenceSchema>;
export type SpanLog = z.infer<typeof spanLogSchema>;
export type JaegerSpan = z.infer<typeof jaegerSpanSchema>;
export type JaegerProcess = z.infer<typeof processSchema>;
export type JaegerTrace = z.infer<typeof jaegerTraceSchema>;
export type DependencyLink = z.infer<typeof dependencyLinkSchema>;
export type LogLine = z.infer<typeof logLineSchema>;
