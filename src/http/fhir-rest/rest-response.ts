import type { FetchApi } from './rest-call.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** A whole FHIR JSON answer (a resource, an OperationOutcome), or an empty one when `body` is undefined. */
export function fhirResponse(fetchAPI: FetchApi, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  if (body === undefined) return new fetchAPI.Response(null, { status, headers });
  return new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': FHIR_JSON, ...headers } });
}

const CHUNK = 64 * 1024;

/**
 * A Bundle written as it goes: the Bundle's own elements, then its entries serialised one by one into ~64 KB chunks,
 * each made only when the socket asks for more (a pull stream: the pipeline writes a chunk, waits for the socket to
 * drain, then pulls the next). The answer is never one big string: a page of 500 resources costs one entry's JSON at
 * a time, and a slow client slows the writing instead of growing a buffer.
 */
export function bundleResponse(
  fetchAPI: FetchApi,
  bundle: Readonly<Record<string, unknown>>,
  entries: readonly object[],
  headers: Record<string, string> = {},
): Response {
  const head = JSON.stringify(bundle);
  const init = { status: 200, headers: { 'content-type': FHIR_JSON, ...headers } };
  if (entries.length === 0) return new fetchAPI.Response(head, init);
  const encoder = new TextEncoder();
  let i = 0;
  let started = false;
  const stream = new fetchAPI.ReadableStream<Uint8Array>({
    pull(controller) {
      let chunk = '';
      if (!started) {
        started = true;
        chunk = `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"entry":[`;
      }
      while (i < entries.length && chunk.length < CHUNK) chunk += (i > 0 ? ',' : '') + JSON.stringify(entries[i++]);
      if (i === entries.length) {
        controller.enqueue(encoder.encode(chunk + ']}'));
        controller.close();
      } else {
        controller.enqueue(encoder.encode(chunk));
      }
    },
  }, { highWaterMark: 0 });
  return new fetchAPI.Response(stream, init);
}
