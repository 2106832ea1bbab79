// Jaeger collector's HTTP endpoint: POST /api/traces with a Thrift binary Batch, as jaeger-client and
// @opentelemetry/exporter-jaeger send it; answered 202 like Jaeger's collector.
import { MeshscopeError } from '../../errors.js';
import { decodeOrReject } from '../decode-or-reject.js';
import { createIngestServer, type ReceiverOptions } from '../ingest-server.js';
import { mediaTypeOf } from '../read-body.js';
import { decodeJaegerThriftBatch } from './decode-jaeger-thrift.js';

const LABEL = { receiver: 'jaeger', transport: 'http' } as const;
const THRIFT_TYPES = new Set(['application/x-thrift', 'application/vnd.apache.thrift.binary']);

export function createJaegerHttpServer(options: ReceiverOptions) {
  return createIngestServer({
    label: LABEL,
    token: options.token,
    maxRequestBytes: options.maxRequestBytes,
    metrics: options.metrics,
    routes: {
      '/api/traces': async (request, body) => {
        const type = mediaTypeOf(request);
        if (!THRIFT_TYPES.has(type)) {
          throw new MeshscopeError('unsupported_media_type', `Content-Type must be application/x-thrift (Thrift binary Batch), got '${type || 'none'}'`);
        }
        const decoded = decodeOrReject('Jaeger Thrift batch', () => decodeJaegerThriftBatch(body));
        await options.pipeline.ingestTraces(decoded, LABEL);
        return { status: 202, body: decoded.rejectedSpans > 0 ? decoded.rejectionMessage : undefined };
      },
    },
  });
}
