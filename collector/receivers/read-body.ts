// Reads a request body with a hard cap on the decompressed size. Decompression is streamed and stops at
// the cap, so a gzip bomb never inflates in memory.
import type { IncomingMessage } from 'node:http';
import zlib from 'node:zlib';
import { MeshscopeError, badRequest } from '../errors.js';

export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const source = decompressor(request);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk);
    }
  } catch (error) {
    if (source !== request) source.destroy();
    if (error instanceof MeshscopeError) throw error;
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) throw badRequest(`body is not valid ${request.headers['content-encoding']}: ${(error as Error).message}`);
    throw new MeshscopeError('bad_request', `could not read request body: ${(error as Error).message}`);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

function decompressor(request: IncomingMessage): NodeJS.ReadableStream & { destroy(): void } {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  switch (encoding) {
    case 'identity':
    case '':
      return request;
    case 'gzip':
    case 'x-gzip':
      return request.pipe(zlib.createGunzip());
    case 'deflate':
      return request.pipe(zlib.createInflate());
    default:
      throw new MeshscopeError('unsupported_media_type', `unsupported Content-Encoding '${encoding}'; use gzip, deflate or none`);
  }
}

function tooLarge(maxBytes: number): MeshscopeError {
  return new MeshscopeError('payload_too_large', `request body exceeds ${maxBytes} bytes after decompression`);
}

/** The media type of a request without parameters, lower-cased ('' when absent). */
export function mediaTypeOf(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}
