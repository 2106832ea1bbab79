// Zipkin v2 ingest (`POST /api/v2/spans`): JSON (application/json) and proto3 (application/x-protobuf)
// bodies decoded into the internal model. Pure functions; the HTTP server calls them.
//
// A body that cannot be read at all throws ZipkinDecodeError (HTTP 400 via httpStatusOf). A readable body
// with some bad spans returns the good ones and counts the rest in rejectedSpans.
import { MeshscopeError } from '../../errors.js';
import type { DecodedTraces } from '../../model/model.js';
import { ProtobufDecodeError } from '../common/protobuf-reader.js';
import { translateEachSpan } from '../common/rejections.js';
import { parseJsonSpan } from './zipkin-json.js';
import { readListOfSpans, validateProtoSpan } from './zipkin-proto.js';
import type { ZipkinSpanV2 } from './zipkin-span.js';
import { zipkinSpanToModel } from './zipkin-span.js';

/** The request body is not a Zipkin v2 span list at all; maps to 400, not retryable. */
export class ZipkinDecodeError extends MeshscopeError {
  constructor(message: string) {
    super('bad_request', message);
    this.name = 'ZipkinDecodeError';
  }
}

export function decodeZipkinJson(body: Buffer): DecodedTraces {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ZipkinDecodeError(`Zipkin JSON body is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ZipkinDecodeError('Zipkin v2 JSON body must be an array of spans');
  return convertEach(parsed, parseJsonSpan);
}

export function decodeZipkinProto(body: Buffer): DecodedTraces {
  try {
    return convertEach(readListOfSpans(body), validateProtoSpan);
  } catch (error) {
    if (error instanceof ProtobufDecodeError) {
      throw new ZipkinDecodeError(`Zipkin protobuf body is not a ListOfSpans: ${error.message}`);
    }
    throw error;
  }
}

/** Validates and translates each item, refusing (and counting) only the items that fail. */
function convertEach<T>(items: readonly T[], validate: (item: T) => ZipkinSpanV2): DecodedTraces {
  return translateEachSpan(items, (item) => zipkinSpanToModel(validate(item)));
}
