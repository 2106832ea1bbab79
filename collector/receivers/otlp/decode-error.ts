// The error the OTLP/JSON decoder throws for a body it cannot decode at all (invalid JSON, wrong types
// outside any item); malformed protobuf throws the shared ProtobufDecodeError, which behaves the same.
// Both are bad_request, so they map to HTTP 400 / gRPC INVALID_ARGUMENT and clients do not retry. Items
// that are merely invalid never throw: they are counted as rejected.
import { MeshscopeError } from '../../errors.js';

export class OtlpDecodeError extends MeshscopeError {
  constructor(message: string) {
    super('bad_request', message);
    this.name = 'OtlpDecodeError';
  }
}

