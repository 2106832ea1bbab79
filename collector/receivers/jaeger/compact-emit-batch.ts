// What jaeger-client libraries send to the Jaeger agent's UDP port 6831: one datagram per call of the
// Agent service's oneway `emitBatch(1: jaeger.Batch batch)`, in the Thrift compact protocol. Decoded into
// the internal model through the same Batch reader and translator as the HTTP endpoint.
import type { DecodedTraces } from '../../model/model.js';
import { ThriftCompactReader, MessageType } from './compact-reader.js';
import { JaegerDecodeError } from './decode-jaeger-thrift.js';
import { readBatch, type JaegerBatch } from './jaeger-thrift-structs.js';
import { jaegerBatchToTraces } from './jaeger-to-model.js';
import { ThriftProtocolError, ThriftType, skipValue } from './thrift-protocol.js';

/** Throws JaegerDecodeError when the datagram is not a compact-protocol emitBatch call. */
export function decodeJaegerCompactEmitBatch(datagram: Uint8Array): DecodedTraces {
  const reader = new ThriftCompactReader(datagram);
  try {
    const message = reader.readMessageBegin();
    if (message.type !== MessageType.ONEWAY && message.type !== MessageType.CALL) {
      throw new ThriftProtocolError(`message type ${message.type} is not a call`);
    }
    // emitZipkinBatch (Zipkin v1 Thrift spans) is deprecated in Jaeger and not accepted here.
    if (message.name !== 'emitBatch') throw new ThriftProtocolError(`method '${message.name}' is not emitBatch`);
    const batch = readEmitBatchArgs(reader);
    if (batch === undefined) throw new ThriftProtocolError('emitBatch call without a batch');
    return jaegerBatchToTraces(batch);
  } catch (error) {
    if (error instanceof ThriftProtocolError) throw new JaegerDecodeError(`datagram is not a compact Thrift emitBatch: ${error.message}`);
    throw error;
  }
}

/** The emitBatch_args struct: field 1 is the Batch; anything else is skipped. */
function readEmitBatchArgs(reader: ThriftCompactReader): JaegerBatch | undefined {
  let batch: JaegerBatch | undefined;
  reader.readStructBegin();
  for (let field = reader.readFieldBegin(); field.type !== ThriftType.STOP; field = reader.readFieldBegin()) {
    if (field.id === 1 && field.type === ThriftType.STRUCT) batch = readBatch(reader);
    else skipValue(reader, field.type);
  }
  reader.readStructEnd();
  return batch;
}
