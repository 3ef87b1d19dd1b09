import { GatewayError } from '../errors/gateway-error.ts';

/**
 * A request body, at most `limit` bytes (the declared Content-Length is checked first). A larger body is read to its
 * end and dropped — so that a client still sending gets to read the 413 — and is never held in memory.
 */
export async function readBodyBytes(request: Request, limit: number): Promise<Buffer> {
  const tooLarge = () => new GatewayError('BODY_TOO_LARGE', `The body is larger than ${limit} bytes (limits.maxBodyBytes)`, { details: { limit } });
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  if (request.body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size <= limit) chunks.push(chunk);
    else chunks.length = 0;
  }
  if (size > limit) throw tooLarge();
  return Buffer.concat(chunks);
}
