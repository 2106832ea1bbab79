// OTLP/gRPC: the three Export services. Messages arrive as raw bytes and go through the same decoders
// as OTLP/HTTP protobuf, so there is no generated code and no .proto loading at run time.
import * as grpc from '@grpc/grpc-js';
import { decodeLogsProtobuf, decodeMetricsProtobuf, decodeTracesProtobuf } from './decode-protobuf.js';
import { encodeExportResponse, type ExportSignal } from './encode-response.js';
import { GrpcCode, grpcCodeOf } from './rpc-status.js';
import { bearerTokenMatches } from '../../http/server.js';
import { MeshscopeError } from '../../errors.js';
import { decodeOrReject } from '../decode-or-reject.js';
import type { ReceiverOptions } from '../ingest-server.js';

const LABEL = { receiver: 'otlp', transport: 'grpc' } as const;

// grpc-js prints its own copy of errors it also hands to us (a failed bind, for one); we report those
// ourselves, with the setting that caused them, so its logger stays quiet.
grpc.setLogVerbosity(grpc.logVerbosity.NONE);

type Ingest = (body: Buffer) => Promise<{ rejected: number; message: string }>;

export function createOtlpGrpcServer(options: ReceiverOptions): grpc.Server {
  const { pipeline } = options;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxRequestBytes,
    // grpc-js buffers whole messages before our handler runs; bound how many one connection may send at once.
    'grpc.max_concurrent_streams': 16,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const services: [string, ExportSignal, Ingest][] = [
    ['opentelemetry.proto.collector.trace.v1.TraceService', 'traces', async (body) => {
      const decoded = decodeOrReject('ExportTraceServiceRequest', () => decodeTracesProtobuf(body));
      await pipeline.ingestTraces(decoded, LABEL);
      return { rejected: decoded.rejectedSpans, message: decoded.rejectionMessage };
    }],
    ['opentelemetry.proto.collector.logs.v1.LogsService', 'logs', async (body) => {
      const decoded = decodeOrReject('ExportLogsServiceRequest', () => decodeLogsProtobuf(body));
      await pipeline.ingestLogs(decoded, LABEL);
      return { rejected: decoded.rejectedLogRecords, message: decoded.rejectionMessage };
    }],
    ['opentelemetry.proto.collector.metrics.v1.MetricsService', 'metrics', async (body) => {
      const decoded = decodeOrReject('ExportMetricsServiceRequest', () => decodeMetricsProtobuf(body));
      await pipeline.ingestMetrics(decoded, LABEL);
      return { rejected: decoded.rejectedDataPoints, message: decoded.rejectionMessage };
    }],
  ];
  for (const [service, signal, ingest] of services) {
    server.addService(exportDefinition(service), { Export: exportHandler(options, signal, ingest) });
  }
  return server;
}

/** Binds the server; resolves with the bound port (useful with port 0). */
export function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(error);
      else resolve(boundPort);
    });
  });
}

/** Stops accepting calls, lets running ones finish for up to graceMs, then forces the rest. */
export async function shutdownGrpc(server: grpc.Server, graceMs = 5000): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function exportDefinition(service: string): grpc.ServiceDefinition {
  const passThrough = (bytes: Buffer) => bytes;
  return {
    Export: {
      path: `/${service}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: passThrough,
      requestDeserialize: passThrough,
      responseSerialize: passThrough,
      responseDeserialize: passThrough,
    },
  };
}

function exportHandler(options: ReceiverOptions, signal: ExportSignal, ingest: Ingest): grpc.handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    const authorization = call.metadata.get('authorization')[0];
    if (!bearerTokenMatches({ authorization: typeof authorization === 'string' ? authorization : undefined }, options.token)) {
      options.metrics.rejectedRequests.inc({ ...LABEL, status: String(GrpcCode.UNAUTHENTICATED) });
      callback({ code: GrpcCode.UNAUTHENTICATED, details: 'missing or wrong bearer token (authorization: Bearer <MESHSCOPE_INGEST_TOKEN>)' });
      return;
    }
    const lease = options.memoryBudget.lease();
    const run = async () => {
      lease.grow(call.request.length);
      return ingest(call.request);
    };
    run().finally(() => lease.release()).then(
      (result) => callback(null, encodeExportResponse(signal, result.rejected, result.message).protobuf),
      (error: unknown) => {
        const code = grpcCodeOf(error);
        if (code === GrpcCode.INTERNAL) console.error('meshscope: otlp grpc receiver failed:', error);
        options.metrics.rejectedRequests.inc({ ...LABEL, status: String(code) });
        const details = error instanceof MeshscopeError ? error.message : 'internal error';
        callback({ code, details });
      },
    );
  };
}
