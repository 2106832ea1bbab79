import { badRequest, MeshscopeError } from '../errors.js';

/**
 * Runs a decoder over client input. Whatever it throws means the body could not be decoded, which is a
 * 400 for the client (not retryable) naming what was expected, never a crash or a 500.
 */
export function decodeOrReject<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof MeshscopeError && error.kind !== 'bad_request') throw error;
    throw badRequest(`could not decode ${what}: ${(error as Error).message}`);
  }
}
