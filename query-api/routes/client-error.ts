// What a query route tells the client about a failure, decided in one place for the v1 and v3 Jaeger
// APIs (each wraps it in its own envelope): our errors by kind, schema failures as 400, and errors that
// express or its parsers raise for a bad request (a malformed percent-escape in a path parameter is a
// URIError with status 400) with their own 4xx status. Anything else is a 500 with a generic message.
import { z } from 'zod';
import { MeshscopeError, httpStatusOf, publicMessageOf } from '../../collector/errors.js';
import { describeZodError } from '../validate.js';

export interface ClientError {
  status: number;
  message: string;
  retryAfterSeconds?: number;
}

export function clientErrorOf(error: unknown): ClientError {
  if (error instanceof z.ZodError) return { status: 400, message: describeZodError(error) };
  if (error instanceof MeshscopeError) {
    const status = httpStatusOf(error);
    const message = publicMessageOf(error);
    return error.retryAfterSeconds === undefined ? { status, message } : { status, message, retryAfterSeconds: error.retryAfterSeconds };
  }
  const status = requestErrorStatusOf(error);
  if (status !== undefined) return { status, message: error instanceof Error && error.message !== '' ? error.message : 'bad request' };
  return { status: httpStatusOf(error), message: publicMessageOf(error) };
}

/** The 4xx status an http-errors style error carries (`status` or `statusCode`), else undefined. */
function requestErrorStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const carried = typeof status === 'number' ? status : statusCode;
  return typeof carried === 'number' && Number.isInteger(carried) && carried >= 400 && carried <= 499 ? carried : undefined;
}
