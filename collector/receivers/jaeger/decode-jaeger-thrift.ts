// Jaeger collector ingest (`POST /api/traces`, Content-Type application/x-thrift): a Thrift
// TBinaryProtocol-encoded jaeger.thrift Batch, as jaeger-client's HTTPSender and
// @opentelemetry/exporter-jaeger (endpoint mode) send it, decoded into the internal model.
//
// A body that is not a readable Batch throws JaegerDecodeError (HTTP 400 via httpStatusOf). A readable
// Batch with some bad spans returns the good ones and counts the rest in rejectedSpans.
import { MeshscopeError } from '../../errors.js';
import type { DecodedTraces } from '../../model/model.js';
import { readBatch } from './jaeger-thrift-structs.js';
import { jaegerBatchToTraces } from './jaeger-to-model.js';
import { ThriftBinaryReader } from './thrift-binary-reader.js';
import { ThriftProtocolError } from './thrift-protocol.js';

/** The request body is not a Thrift Batch; maps to 400, not retryable. */
export class JaegerDecodeError extends MeshscopeError {
  constructor(message: string) {
    super('bad_request', message);
    this.name = 'JaegerDecodeError';
  }
}

export function decodeJaegerThriftBatch(body: Buffer): DecodedTraces {
  const reader = new ThriftBinaryReader(body);
  try {
    const batch = readBatch(reader);
    // Bytes after the Batch's STOP mean this was not one Batch (another encoding, or garbage).
    if (reader.remaining() > 0) throw new ThriftProtocolError(`${reader.remaining()} bytes after the end of the Batch`);
    return jaegerBatchToTraces(batch);
  } catch (error) {
    if (error instanceof ThriftProtocolError) {
      throw new JaegerDecodeError(`Jaeger body is not a Thrift binary Batch: ${error.message}`);
    }
    throw error;
  }
}
