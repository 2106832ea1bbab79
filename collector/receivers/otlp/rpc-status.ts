// google.rpc.Status, the error body OTLP/HTTP sends for every 4xx/5xx, and the gRPC status codes that
// match our error kinds (the same table serves the gRPC receiver).
import { MeshscopeError, type ErrorKind } from '../../errors.js';

/** gRPC status codes (google.rpc.Code) we answer with. */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const CODE_BY_KIND: Record<ErrorKind, number> = {
  bad_request: GrpcCode.INVALID_ARGUMENT,
  unsupported_media_type: GrpcCode.INVALID_ARGUMENT,
  unauthorized: GrpcCode.UNAUTHENTICATED,
  not_found: GrpcCode.NOT_FOUND,
  conflict: GrpcCode.FAILED_PRECONDITION,
  payload_too_large: GrpcCode.RESOURCE_EXHAUSTED,
  overloaded: GrpcCode.UNAVAILABLE,
  unavailable: GrpcCode.UNAVAILABLE,
  internal: GrpcCode.INTERNAL,
};

export function grpcCodeOf(error: unknown): number {
  return error instanceof MeshscopeError ? CODE_BY_KIND[error.kind] : GrpcCode.INTERNAL;
}

export function grpcCodeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
    case 415:
      return GrpcCode.INVALID_ARGUMENT;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 404:
      return GrpcCode.NOT_FOUND;
    case 405:
      return GrpcCode.UNIMPLEMENTED;
    case 413:
      return GrpcCode.RESOURCE_EXHAUSTED;
    case 429:
    case 503:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.INTERNAL;
  }
}

/** Status { int32 code = 1; string message = 2; } in protobuf wire format. */
export function encodeStatus(code: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  const parts = [Buffer.from([0x08]), varint(code), Buffer.from([0x12]), varint(text.length), text];
  return Buffer.concat(parts);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value >>> 0;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
