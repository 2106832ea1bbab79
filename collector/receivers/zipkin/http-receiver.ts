// Zipkin v2: POST /api/v2/spans as JSON (or proto3 ListOfSpans), answered 202 like Zipkin's own server.
import { decodeOrReject } from '../decode-or-reject.js';
import { createIngestServer, type ReceiverOptions } from '../ingest-server.js';
import { mediaTypeOf } from '../read-body.js';
import { decodeZipkinJson, decodeZipkinProto } from './decode-zipkin.js';

const LABEL = { receiver: 'zipkin', transport: 'http' } as const;
const PROTOBUF = 'application/x-protobuf';

export function createZipkinHttpServer(options: ReceiverOptions) {
  return createIngestServer({
    ...options,
    label: LABEL,
    routes: {
      '/api/v2/spans': {
        // Zipkin's server treats a missing Content-Type as JSON; so do we.
        mediaTypes: ['application/json', '', PROTOBUF],
        handle: async (request, body) => {
          const decoded =
            mediaTypeOf(request) === PROTOBUF
              ? decodeOrReject('Zipkin proto3 ListOfSpans', () => decodeZipkinProto(body))
              : decodeOrReject('Zipkin v2 JSON', () => decodeZipkinJson(body));
          await options.pipeline.ingestTraces(decoded, LABEL);
          // Zipkin has no partial-success answer; refused spans are counted at /metrics and named here.
          return { status: 202, body: decoded.rejectedSpans > 0 ? decoded.rejectionMessage : undefined };
        },
      },
    },
  });
}
