// One Zipkin v2 span after wire decoding (JSON or proto3) and id validation, and its translation into the
// internal model. The translation follows the OTel Collector's zipkinv2 ToTranslator, with current
// semantic-convention names for endpoints.
import type { Attribute, Span, SpanEvent } from '../../model/model.js';
import { SpanKind } from '../../model/model.js';
import { isValidSpanId, isValidTraceId, serviceNameOf, stringValue } from '../../model/attributes.js';
import { InvalidSpanError } from '../common/rejections.js';
import { int64Value, mergeResourceAttributes, splitConventionTags } from '../common/tag-conventions.js';

export type ZipkinKind = 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';

/** A Zipkin endpoint; '' and 0 stand for absent fields. */
export interface ZipkinEndpoint {
  serviceName: string;
  ipv4: string;
  ipv6: string;
  port: number;
}

export interface ZipkinAnnotation {
  timeUnixNano: bigint;
  value: string;
}

export interface ZipkinSpanV2 {
  /** 32 lower-case hex characters (64-bit ids already left-padded). */
  traceId: string;
  id: string;
  /** '' for a root span. */
  parentId: string;
  name: string;
  kind: ZipkinKind | undefined;
  startTimeUnixNano: bigint;
  durationNano: bigint;
  localEndpoint: ZipkinEndpoint | undefined;
  remoteEndpoint: ZipkinEndpoint | undefined;
  annotations: ZipkinAnnotation[];
  tags: [string, string][];
  debug: boolean;
  shared: boolean;
}

const HEX = /^[0-9a-fA-F]+$/;
const ALL_ZERO = /^0+$/;

/** A 16- or 32-hex trace id as 32 lower-case hex, or a rejection. */
export function normalizeTraceId(hex: string): string {
  if (!HEX.test(hex) || (hex.length !== 16 && hex.length !== 32)) {
    throw new InvalidSpanError(`traceId "${clip(hex)}" is not 16 or 32 hex characters`);
  }
  const traceId = hex.toLowerCase().padStart(32, '0');
  if (!isValidTraceId(traceId)) throw new InvalidSpanError('traceId is all zeros');
  return traceId;
}

export function normalizeSpanId(hex: string): string {
  const spanId = hex.toLowerCase();
  if (!HEX.test(hex) || hex.length !== 16) {
    throw new InvalidSpanError(`id "${clip(hex)}" is not 16 hex characters`);
  }
  if (!isValidSpanId(spanId)) throw new InvalidSpanError('id is all zeros');
  return spanId;
}

/** '' (root) for an absent or all-zero parent id, which some tracers send for roots. */
export function normalizeParentId(hex: string): string {
  if (hex === '' || (hex.length === 16 && ALL_ZERO.test(hex))) return '';
  if (!HEX.test(hex) || hex.length !== 16) {
    throw new InvalidSpanError(`parentId "${clip(hex)}" is not 16 hex characters`);
  }
  return hex.toLowerCase();
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

const KIND_OF: Record<ZipkinKind, SpanKind> = {
  CLIENT: SpanKind.CLIENT,
  SERVER: SpanKind.SERVER,
  PRODUCER: SpanKind.PRODUCER,
  CONSUMER: SpanKind.CONSUMER,
};

/** W3C trace-flags "sampled": a span that reached us was recorded, Zipkin has no other notion of it. */
const SAMPLED_FLAG = 0x01;

export function zipkinSpanToModel(zipkin: ZipkinSpanV2): Span {
  const tags = splitConventionTags(zipkin.tags.map(([key, value]) => ({ key, value: stringValue(value) })));
  const kind = zipkin.kind ? KIND_OF[zipkin.kind] : (tags.kindFromTag ?? SpanKind.INTERNAL);
  const resourceAttributes = mergeResourceAttributes(localEndpointAttributes(zipkin.localEndpoint), tags.resourceAttributes);
  const resource = { attributes: resourceAttributes, droppedAttributesCount: 0 };
  return {
    traceId: zipkin.traceId,
    spanId: zipkin.id,
    // Some tracers report a root span as its own parent.
    parentSpanId: zipkin.parentId === zipkin.id ? '' : zipkin.parentId,
    traceState: tags.traceState,
    name: zipkin.name,
    kind,
    startTimeUnixNano: zipkin.startTimeUnixNano,
    endTimeUnixNano: zipkin.startTimeUnixNano + zipkin.durationNano,
    attributes: spanAttributes(zipkin, kind, tags.spanAttributes),
    droppedAttributesCount: tags.droppedAttributesCount,
    events: zipkin.annotations.map(annotationToEvent),
    droppedEventsCount: tags.droppedEventsCount,
    links: [],
    droppedLinksCount: tags.droppedLinksCount,
    status: tags.status,
    flags: SAMPLED_FLAG,
    shared: zipkin.shared,
    serviceName: serviceNameOf(resource),
    resource,
    scope: tags.scope,
  };
}

/** The local endpoint describes the process that recorded the span: its service and addresses. */
function localEndpointAttributes(endpoint: ZipkinEndpoint | undefined): Attribute[] {
  if (!endpoint) return [];
  const attributes: Attribute[] = [];
  if (endpoint.serviceName) attributes.push({ key: 'service.name', value: stringValue(endpoint.serviceName) });
  const addresses = [endpoint.ipv4, endpoint.ipv6].filter((address) => address !== '');
  if (addresses.length > 0) {
    attributes.push({ key: 'host.ip', value: { type: 'array', value: addresses.map(stringValue) } });
  }
  return attributes;
}

/**
 * Tags first (they are what the instrumentation said), then what the endpoints add where a tag of the
 * same key is absent. The remote endpoint is the server for CLIENT/PRODUCER/CONSUMER spans (the broker
 * for messaging) and the client for SERVER spans, so it fills server.* or client.* accordingly.
 */
function spanAttributes(zipkin: ZipkinSpanV2, kind: SpanKind, tagAttributes: Attribute[]): Attribute[] {
  const attributes = [...tagAttributes];
  const keys = new Set(attributes.map((attribute) => attribute.key));
  const add = (key: string, value: Attribute['value']): void => {
    if (keys.has(key)) return;
    keys.add(key);
    attributes.push({ key, value });
  };
  const local = zipkin.localEndpoint;
  if (local && local.port > 0) add('network.local.port', int64Value(BigInt(local.port)));
  const remote = zipkin.remoteEndpoint;
  if (remote) {
    const side = kind === SpanKind.SERVER ? 'client' : kind === SpanKind.INTERNAL ? '' : 'server';
    const address = remote.ipv4 || remote.ipv6;
    if (remote.serviceName) add('peer.service', stringValue(remote.serviceName));
    if (address) add('network.peer.address', stringValue(address));
    if (remote.port > 0) add('network.peer.port', int64Value(BigInt(remote.port)));
    if (side && address) add(`${side}.address`, stringValue(address));
    if (side && remote.port > 0) add(`${side}.port`, int64Value(BigInt(remote.port)));
  }
  if (zipkin.debug) add('debug', { type: 'bool', value: true });
  return attributes;
}

function annotationToEvent(annotation: ZipkinAnnotation): SpanEvent {
  return { timeUnixNano: annotation.timeUnixNano, name: annotation.value, attributes: [], droppedAttributesCount: 0 };
}
