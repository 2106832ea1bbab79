// Encodes the log lines of a write batch into row-shaped columns on the calling thread, like
// span-encoder.ts does for spans. Structured clone of LogRecord objects was half the calling thread's
// per-line cost and, unpacked again, a fifth of the writer's; these columns are transferable typed arrays
// and flat strings, already in the form the INSERT binds.
import type { InstrumentationScope, LogRecord, Resource } from '../../model/model.js';
import { logBodyText } from '../log-match.js';
import { encodeResource, encodeScope, logTimeUnixNano } from './codec.js';
import { Interner } from './span-encoder.js';

/** The lines of one batch, column by column; index i of every column describes line i. */
export interface EncodedLogs {
  count: number;
  /** time_ns, observed_time_ns and ts_ns (the time searches order by) of line i at 3i, 3i + 1, 3i + 2. */
  timesNs: BigInt64Array;
  /** severity_number, dropped_attributes_count and flags of line i at 3i, 3i + 1, 3i + 2. */
  numbers: Uint32Array;
  /** 16 bytes per line; meaningful only where hasTraceId is 1. */
  traceIds: Uint8Array;
  hasTraceId: Uint8Array;
  /** 8 bytes per line; meaningful only where hasSpanId is 1. */
  spanIds: Uint8Array;
  hasSpanId: Uint8Array;
  serviceNames: string[];
  severityTexts: string[];
  eventNames: string[];
  /** The body as stored (JSON) and as full-text indexed (empty for none). */
  bodies: string[];
  bodyTexts: string[];
  /** JSON Attribute[]. */
  attributes: string[];
  /** Index into `resources` / `scopes`, which hold each distinct JSON body of the batch once. */
  resourceIndexes: Uint32Array;
  resources: string[];
  scopeIndexes: Uint32Array;
  scopes: string[];
}

export function encodeLogs(logs: readonly LogRecord[]): EncodedLogs {
  const count = logs.length;
  const encoded: EncodedLogs = {
    count,
    timesNs: new BigInt64Array(count * 3),
    numbers: new Uint32Array(count * 3),
    traceIds: new Uint8Array(count * 16),
    hasTraceId: new Uint8Array(count),
    spanIds: new Uint8Array(count * 8),
    hasSpanId: new Uint8Array(count),
    serviceNames: new Array<string>(count),
    severityTexts: new Array<string>(count),
    eventNames: new Array<string>(count),
    bodies: new Array<string>(count),
    bodyTexts: new Array<string>(count),
    attributes: new Array<string>(count),
    resourceIndexes: new Uint32Array(count),
    resources: [],
    scopeIndexes: new Uint32Array(count),
    scopes: [],
  };
  const traceIdBytes = Buffer.from(encoded.traceIds.buffer);
  const spanIdBytes = Buffer.from(encoded.spanIds.buffer);
  const resources = new Interner<Resource>(encoded.resources, encodeResource);
  const scopes = new Interner<InstrumentationScope>(encoded.scopes, encodeScope);
  for (let i = 0; i < count; i++) {
    const log = logs[i];
    encoded.timesNs[3 * i] = int64(log.timeUnixNano);
    encoded.timesNs[3 * i + 1] = int64(log.observedTimeUnixNano);
    encoded.timesNs[3 * i + 2] = int64(logTimeUnixNano(log));
    encoded.numbers[3 * i] = log.severityNumber;
    encoded.numbers[3 * i + 1] = log.droppedAttributesCount;
    encoded.numbers[3 * i + 2] = log.flags;
    if (log.traceId !== '') {
      traceIdBytes.write(log.traceId, i * 16, 16, 'hex');
      encoded.hasTraceId[i] = 1;
    }
    if (log.spanId !== '') {
      spanIdBytes.write(log.spanId, i * 8, 8, 'hex');
      encoded.hasSpanId[i] = 1;
    }
    encoded.serviceNames[i] = log.serviceName;
    encoded.severityTexts[i] = log.severityText;
    encoded.eventNames[i] = log.eventName;
    encoded.bodies[i] = JSON.stringify(log.body);
    encoded.bodyTexts[i] = logBodyText(log);
    encoded.attributes[i] = JSON.stringify(log.attributes);
    encoded.resourceIndexes[i] = resources.indexOf(log.resource);
    encoded.scopeIndexes[i] = scopes.indexOf(log.scope);
  }
  return encoded;
}

/** The typed-array buffers of an encoding, to transfer (not copy) to the writer thread. */
export function logTransferablesOf(encoded: EncodedLogs): ArrayBuffer[] {
  return [
    encoded.timesNs,
    encoded.numbers,
    encoded.traceIds,
    encoded.hasTraceId,
    encoded.spanIds,
    encoded.hasSpanId,
    encoded.resourceIndexes,
    encoded.scopeIndexes,
  ].map((array) => array.buffer as ArrayBuffer);
}

/** A time as an SQLite INTEGER; a typed array would silently wrap one beyond int64, so refuse it. */
function int64(value: bigint): bigint {
  if (BigInt.asIntN(64, value) !== value) throw new RangeError(`time ${value} ns does not fit a 64-bit integer`);
  return value;
}
