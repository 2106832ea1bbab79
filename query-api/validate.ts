// Request validation with zod, turned into our error type: every bad parameter becomes a 400 whose
// message names the parameter and the expected form.
import { z } from 'zod';
import { badRequest, type MeshscopeError } from '../collector/errors.js';

/** Parses input with the schema; a failure throws bad_request naming each offending parameter. */
export function parseParams<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) throw badRequest(describeZodError(result.error));
  return result.data;
}

export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length === 0 ? issue.message : `invalid parameter '${issue.path.join('.')}': ${issue.message}`))
    .join('; ');
}

export function invalidParam(name: string, message: string): MeshscopeError {
  return badRequest(`invalid parameter '${name}': ${message}`);
}

/** Every value of a query parameter, which may be repeated (`tag=a:1&tag=b:2`). */
export const queryValues = z
  .union([z.string(), z.array(z.string())], { error: 'expected plain text values' })
  .optional()
  .transform((value) => (value === undefined ? [] : typeof value === 'string' ? [value] : value));

/** The first value, as Go's URL.Query().Get reads it; empty and absent both mean "not given". */
export const queryValue = queryValues.transform((values) => (values[0] === '' ? undefined : values[0]));

export const requiredQueryValue = queryValue.transform((text, context): string => {
  if (text !== undefined) return text;
  context.addIssue('is required');
  return z.NEVER;
});

/** A single parameter read by `parse`, which returns undefined for text it does not accept. */
export function parsedQueryValue<T>(parse: (text: string) => T | undefined, expected: string) {
  return queryValue.transform((text, context): T | undefined => {
    if (text === undefined) return undefined;
    const value = parse(text);
    if (value === undefined) {
      context.addIssue(`expected ${expected}, got '${text}'`);
      return z.NEVER;
    }
    return value;
  });
}

/** A non-negative decimal integer (times, limits, millisecond durations). */
export function parseNonNegativeInteger(text: string): number | undefined {
  return /^\d{1,16}$/.test(text) ? Number(text) : undefined;
}
