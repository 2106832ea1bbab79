// Jaeger collector's HTTP endpoint: POST /api/traces with a Thrift binary Batch, as jaeger-client and
// @opentelemetry/exporter-jaeger send it; answered 202 like Jaeger's collector.
import { decodeOrReject } from '../decode-or-reject.js';
import { createIngestServer, type ReceiverOptions } from '../ingest-server.js';
import { decodeJaegerThriftBatch } from './decode-jaeger-thrift.js';

const LABEL = { receiver: 'jaeger', transport: 'http' } as const;

export function createJaegerHttpServer(options: ReceiverOptions) {
  return createIngestServer({
    ...options,
    label: LABEL,
    routes: {
      '/api/traces': {
        mediaTypes: ['application/x-thrift', 'application/vnd.apache.thrift.binary'],
        handle: async (_request, body) => {
          const decoded = decodeOrReject('Jaeger Thrift batch', () => decodeJaegerThriftBatch(body));
          await options.pipeline.ingestTraces(decoded, LABEL);
          return { status: 202, body: decoded.rejectedSpans > 0 ? decoded.rejectionMessage : undefined };
        },
      },
    },
  });
}
