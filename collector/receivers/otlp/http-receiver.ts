// OTLP/HTTP: POST /v1/traces, /v1/logs, /v1/metrics in protobuf or JSON, answered as the OTLP
// specification says: 200 with an Export*ServiceResponse (partial_success when items were refused) in
// the request's own Content-Type, 400/413/415 with a google.rpc.Status in the request's encoding,
// 503 + Retry-After under overload.
import type { IncomingMessage } from 'node:http';
import { decodeOrReject } from '../decode-or-reject.js';
import { createIngestServer, type IngestRoute, type ReceiverOptions } from '../ingest-server.js';
import { mediaTypeOf } from '../read-body.js';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './decode-json.js';
import { decodeLogsProtobuf, decodeMetricsProtobuf, decodeTracesProtobuf } from './decode-protobuf.js';
import { encodeExportResponse, type ExportSignal } from './encode-response.js';
import { encodeStatus, grpcCodeForHttpStatus } from './rpc-status.js';

const PROTOBUF_TYPES = ['application/x-protobuf', 'application/protobuf'];
const JSON_TYPE = 'application/json';
const LABEL = { receiver: 'otlp', transport: 'http' } as const;

type Encoding = 'protobuf' | 'json';
type Ingest = (body: Buffer, encoding: Encoding) => Promise<{ rejected: number; message: string }>;

export function createOtlpHttpServer(options: ReceiverOptions) {
  const { pipeline } = options;
  return createIngestServer({
    ...options,
    label: LABEL,
    routes: {
      '/v1/traces': route('traces', async (body, encoding) => {
        const decoded = decodeOrReject(`OTLP ${encoding} traces`, () => (encoding === 'protobuf' ? decodeTracesProtobuf(body) : decodeTracesJson(body)));
        await pipeline.ingestTraces(decoded, LABEL);
        return { rejected: decoded.rejectedSpans, message: decoded.rejectionMessage };
      }),
      '/v1/logs': route('logs', async (body, encoding) => {
        const decoded = decodeOrReject(`OTLP ${encoding} logs`, () => (encoding === 'protobuf' ? decodeLogsProtobuf(body) : decodeLogsJson(body)));
        await pipeline.ingestLogs(decoded, LABEL);
        return { rejected: decoded.rejectedLogRecords, message: decoded.rejectionMessage };
      }),
      '/v1/metrics': route('metrics', async (body, encoding) => {
        const decoded = decodeOrReject(`OTLP ${encoding} metrics`, () => (encoding === 'protobuf' ? decodeMetricsProtobuf(body) : decodeMetricsJson(body)));
        await pipeline.ingestMetrics(decoded, LABEL);
        return { rejected: decoded.rejectedDataPoints, message: decoded.rejectionMessage };
      }),
    },
    renderError: (request, status, message) => {
      const code = grpcCodeForHttpStatus(status);
      return encodingOf(request) === 'json'
        ? { contentType: JSON_TYPE, body: JSON.stringify({ code, message }) }
        : { contentType: responseTypeOf(request), body: encodeStatus(code, message) };
    },
  });
}

function route(signal: ExportSignal, ingest: Ingest): IngestRoute {
  return {
    mediaTypes: [...PROTOBUF_TYPES, JSON_TYPE],
    handle: async (request, body) => {
      const encoding = encodingOf(request);
      const result = await ingest(body, encoding);
      const response = encodeExportResponse(signal, result.rejected, result.message);
      return encoding === 'json'
        ? { status: 200, contentType: JSON_TYPE, body: JSON.stringify(response.json) }
        : { status: 200, contentType: responseTypeOf(request), body: response.protobuf };
    },
  };
}

function encodingOf(request: IncomingMessage): Encoding {
  return mediaTypeOf(request) === JSON_TYPE ? 'json' : 'protobuf';
}

/** The spec: the response uses the same Content-Type as the request (either protobuf spelling). */
function responseTypeOf(request: IncomingMessage): string {
  const type = mediaTypeOf(request);
  return PROTOBUF_TYPES.includes(type) ? type : PROTOBUF_TYPES[0]!;
}
