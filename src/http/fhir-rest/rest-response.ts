import type { ServerResponse } from 'node:http';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Writes a whole FHIR JSON answer (a resource, an OperationOutcome). */
export function sendFhir(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': FHIR_JSON, 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

const CHUNK = 64 * 1024;

/**
 * Writes a Bundle as it goes: the Bundle's own elements, then its entries serialised one by one into ~64 KB chunks,
 * waiting for the socket to drain whenever it is full. The answer is never one big string: a page of 500 resources
 * costs one entry's JSON at a time, and a slow client slows the writing instead of growing a buffer.
 */
export async function streamBundle(
  res: ServerResponse,
  bundle: Readonly<Record<string, unknown>>,
  entries: readonly object[],
  headers: Record<string, string> = {},
): Promise<void> {
  res.writeHead(200, { 'content-type': FHIR_JSON, ...headers });
  const head = JSON.stringify(bundle);
  if (entries.length === 0) {
    res.end(head);
    return;
  }
  let chunk = `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"entry":[`;
  for (let i = 0; i < entries.length; i++) {
    chunk += (i > 0 ? ',' : '') + JSON.stringify(entries[i]);
    if (chunk.length >= CHUNK) {
      if (!(await write(res, chunk))) return;
      chunk = '';
    }
  }
  res.end(chunk + ']}');
}

/** Resolves true once the chunk is written or the socket drained; false when the client went away. */
function write(res: ServerResponse, chunk: string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}
