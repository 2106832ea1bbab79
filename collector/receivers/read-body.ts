// Reads a request body with a hard cap on the decompressed size, charging every byte to a memory lease.
// Decompression is streamed and stops at the cap, so a gzip bomb never inflates in memory.
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { MeshscopeError, badRequest } from '../errors.js';
import type { MemoryLease } from './memory-budget.js';

export async function readBody(request: IncomingMessage, maxBytes: number, lease: MemoryLease): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const source = decompressor(request);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(maxBytes);
      lease.grow(chunk.length);
      chunks.push(chunk);
    }
  } catch (error) {
    if (source !== request) source.destroy();
    if (error instanceof MeshscopeError) throw error;
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw badRequest(`body is not valid ${request.headers['content-encoding']}: ${(error as Error).message}`);
    }
    throw badRequest(`could not read request body: ${(error as Error).message}`);
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
      return piped(request, zlib.createGunzip());
    case 'deflate':
      return piped(request, zlib.createInflate());
    default:
      throw new MeshscopeError('unsupported_media_type', `unsupported Content-Encoding '${encoding}'; use gzip, deflate or none`);
  }
}

/** pipeline() rather than pipe(): an aborted upload must end the decompressor too, or the read hangs. */
function piped(request: IncomingMessage, inflater: zlib.Gunzip | zlib.Inflate): zlib.Gunzip | zlib.Inflate {
  pipeline(request, inflater, () => {
    // Errors surface through the inflater the caller iterates.
  });
  return inflater;
}

function tooLarge(maxBytes: number): MeshscopeError {
  return new MeshscopeError('payload_too_large', `request body exceeds ${maxBytes} bytes after decompression`);
}

/** The media type of a request without parameters, lower-cased ('' when absent). */
export function mediaTypeOf(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}
