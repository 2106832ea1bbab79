// The one error an OTLP decoder throws for a body it cannot decode at all (malformed protobuf, invalid
// JSON, wrong top-level types). It is a bad_request, so it maps to HTTP 400 / gRPC INVALID_ARGUMENT
// and clients do not retry. Items that are merely invalid never throw: they are counted as rejected.
import { MeshscopeError } from '../../errors.js';

export class OtlpDecodeError extends MeshscopeError {
  constructor(message: string) {
    super('bad_request', message);
    this.name = 'OtlpDecodeError';
  }
}

