// The propagators a service in a mesh needs. Envoy (and so Istio) starts and continues traces with B3
// headers and ties a request's access logs and trace together with x-request-id; other services speak
// W3C trace context. Extraction runs in order and the last propagator that finds a context wins, so B3
// goes last: when a sidecar has rewritten the B3 headers its own span is the real parent, while a
// traceparent header passed through untouched would skip it. Injection writes every format.
import { createContextKey, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_KEY = createContextKey('meshscope x-request-id');

/**
 * Carries Envoy's x-request-id from an incoming request to the requests made while handling it, which
 * Istio asks every application to do so that Envoy's trace sampling and access logs stay consistent.
 */
export class RequestIdPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const requestId = context.getValue(REQUEST_ID_KEY);
    if (typeof requestId === 'string') setter.set(carrier, REQUEST_ID_HEADER, requestId);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, REQUEST_ID_HEADER);
    const requestId = Array.isArray(raw) ? raw[0] : raw;
    return requestId ? context.setValue(REQUEST_ID_KEY, requestId) : context;
  }

  fields(): string[] {
    return [REQUEST_ID_HEADER];
  }
}

/** The request id an incoming request carried, if any (for log lines and error reports). */
export function requestIdOf(context: Context): string | undefined {
  const requestId = context.getValue(REQUEST_ID_KEY);
  return typeof requestId === 'string' ? requestId : undefined;
}

/** W3C trace context and baggage, then B3 (single or multi header in, multi header out), plus x-request-id. */
export function meshPropagator(): TextMapPropagator {
  return new CompositePropagator({
    propagators: [
      new W3CTraceContextPropagator(),
      new W3CBaggagePropagator(),
      new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
      new RequestIdPropagator(),
    ],
  });
}
