// OTLP/HTTP: POST /v1/traces, /v1/logs, /v1/metrics in protobuf or JSON, answered as the OTLP
// specification says: 200 with an Export*ServiceResponse (partial_success when items were refused),
// 400/413/415 with a google.rpc.Status in the request's encoding, 503 + Retry-After under overload.
import type { IncomingMessage } from 'node:http';
import { MeshscopeError } from '../../errors.js';
import { createIngestServer, type ReceiverOptions, type IngestHandler, type IngestReply } from '../ingest-server.js';
import { mediaTypeOf } from '../read-body.js';
import { decodeOrReject } from '../decode-or-reject.js';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './decode-json.js';
import { decodeLogsProtobuf, decodeMetricsProtobuf, decodeTracesProtobuf } from './decode-protobuf.js';
import { encodeExportResponse, type ExportSignal } from './encode-response.js';
import { encodeStatus, grpcCodeForHttpStatus } from './rpc-status.js';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const LABEL = { receiver: 'otlp', transport: 'http' } as const;

type Encoding = 'protobuf' | 'json';

export function createOtlpHttpServer(options: ReceiverOptions) {
  const { pipeline } = options;
  return createIngestServer({
    label: LABEL,
    token: options.token,
    maxRequestBytes: options.maxRequestBytes,
    metrics: options.metrics,
    routes: {
      '/v1/traces': handler('traces', async (body, encoding) => {
        const decoded = decodeOrReject(`OTLP ${encoding} traces`, () => (encoding === 'protobuf' ? decodeTracesProtobuf(body) : decodeTracesJson(body)));
        await pipeline.ingestTraces(decoded, LABEL);
        return { rejected: decoded.rejectedSpans, message: decoded.rejectionMessage };
      }),
      '/v1/logs': handler('logs', async (body, encoding) => {
        const decoded = decodeOrReject(`OTLP ${encoding} logs`, () => (encoding === 'protobuf' ? decodeLogsProtobuf(body) : decodeLogsJson(body)));
        await pipeline.ingestLogs(decoded, LABEL);
        return { rejected: decoded.rejectedLogRecords, message: decoded.rejectionMessage };
      }),
      '/v1/metrics': handler('metrics', async (body, encoding) => {
        const decoded = decodeOrReject(`OTLP ${encoding} metrics`, () => (encoding === 'protobuf' ? decodeMetricsProtobuf(body) : decodeMetricsJson(body)));
        await pipeline.ingestMetrics(decoded, LABEL);
        return { rejected: decoded.rejectedDataPoints, message: decoded.rejectionMessage };
      }),
    },
    renderError: (request, status, message) => {
      const encoding = encodingOf(request) ?? 'protobuf';
      const code = grpcCodeForHttpStatus(status);
      return encoding === 'json'
        ? { contentType: JSON_TYPE, body: JSON.stringify({ code, message }) }
        : { contentType: PROTOBUF, body: encodeStatus(code, message) };
    },
  });
}

type Ingest = (body: Buffer, encoding: Encoding) => Promise<{ rejected: number; message: string }>;

function handler(signal: ExportSignal, ingest: Ingest): IngestHandler {
  return async (request: IncomingMessage, body: Buffer): Promise<IngestReply> => {
    const encoding = encodingOf(request);
    if (!encoding) {
      throw new MeshscopeError('unsupported_media_type', `Content-Type must be ${PROTOBUF} or ${JSON_TYPE}, got '${mediaTypeOf(request) || 'none'}'`);
    }
    const result = await ingest(body, encoding);
    const response = encodeExportResponse(signal, result.rejected, result.message);
    return encoding === 'json'
      ? { status: 200, contentType: JSON_TYPE, body: JSON.stringify(response.json) }
      : { status: 200, contentType: PROTOBUF, body: response.protobuf };
  };
}

function encodingOf(request: IncomingMessage): Encoding | undefined {
  const type = mediaTypeOf(request);
  if (type === PROTOBUF || type === 'application/protobuf') return 'protobuf';
  if (type === JSON_TYPE) return 'json';
  return undefined;
}
