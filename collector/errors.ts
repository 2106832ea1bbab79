// Errors that cross component boundaries. Each says whether the caller may retry and maps to an HTTP
// status in one place (httpStatusOf), so every receiver and route answers the same way.

export type ErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  /** The target cannot be changed here: a rule from a file, or a write on a read-only query node. */
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'overloaded'
  | 'unavailable'
  | 'internal';

const HTTP_STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  overloaded: 503,
  unavailable: 503,
  internal: 500,
};

export class MeshscopeError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Seconds a client should wait before retrying; set on overload. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'MeshscopeError';
  }

  /** Retrying the same request later can succeed (OTLP clients retry only these). */
  get retryable(): boolean {
    return this.kind === 'overloaded' || this.kind === 'unavailable';
  }
}

export function badRequest(message: string): MeshscopeError {
  return new MeshscopeError('bad_request', message);
}

export function httpStatusOf(error: unknown): number {
  return error instanceof MeshscopeError ? HTTP_STATUS[error.kind] : 500;
}

/** The message safe to show a client: ours verbatim, anything unexpected as a generic line. */
export function publicMessageOf(error: unknown): string {
  return error instanceof MeshscopeError ? error.message : 'internal error';
}
