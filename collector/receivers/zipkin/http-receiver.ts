// Zipkin v2: POST /api/v2/spans as JSON (or proto3 ListOfSpans), answered 202 like Zipkin's own server.
import { MeshscopeError } from '../../errors.js';
import { decodeOrReject } from '../decode-or-reject.js';
import { createIngestServer, type ReceiverOptions } from '../ingest-server.js';
import { mediaTypeOf } from '../read-body.js';
import { decodeZipkinJson, decodeZipkinProto } from './decode-zipkin.js';

const LABEL = { receiver: 'zipkin', transport: 'http' } as const;

export function createZipkinHttpServer(options: ReceiverOptions) {
  return createIngestServer({
    label: LABEL,
    token: options.token,
    maxRequestBytes: options.maxRequestBytes,
    metrics: options.metrics,
    routes: {
      '/api/v2/spans': async (request, body) => {
        const type = mediaTypeOf(request);
        const decoded =
          type === 'application/x-protobuf'
            ? decodeOrReject('Zipkin proto3 ListOfSpans', () => decodeZipkinProto(body))
            : type === 'application/json' || type === ''
              ? decodeOrReject('Zipkin v2 JSON', () => decodeZipkinJson(body))
              : unsupported(type);
        await options.pipeline.ingestTraces(decoded, LABEL);
        // Zipkin has no partial-success answer; refused spans are counted at /metrics and named here.
        return { status: 202, body: decoded.rejectedSpans > 0 ? decoded.rejectionMessage : undefined };
      },
    },
  });
}

function unsupported(type: string): never {
  throw new MeshscopeError('unsupported_media_type', `Content-Type must be application/json or application/x-protobuf, got '${type}'`);
}
