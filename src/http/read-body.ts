/**
 * A request body, whole. Its size is bounded for every route by use-body-limit.ts, whose body fails with BODY_TOO_LARGE
 * past limits.maxBodyBytes.
 */
export async function readBodyBytes(request: Request): Promise<Buffer> {
  if (request.body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
