import type { Answering } from './rest-call.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** A whole FHIR JSON answer (a resource, an OperationOutcome), or an empty one when `body` is undefined. */
export function fhirResponse(answering: Answering, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  if (body === undefined) return new answering.Response(null, { status, headers: { ...answering.headers, ...headers } });
  return new answering.Response(JSON.stringify(body), { status, headers: { ...answering.headers, 'content-type': FHIR_JSON, ...headers } });
}

const CHUNK = 64 * 1024;
/** A Bundle up to this size is answered as one string (the fast path of the pipeline); a larger one is streamed. */
const INLINE = 128 * 1024;

/**
 * A Bundle, written as it goes: the Bundle's own elements, then its entries serialised one by one. Up to INLINE bytes
 * the answer is one string (what most pages are: cheaper to send than a stream). Past that, the rest is a pull stream
 * of ~64 KB chunks, each made only when the socket asks for more (the pipeline writes a chunk, waits for the socket to
 * drain, then pulls the next): a page of 500 large resources never becomes one big string, and a slow client slows the
 * writing instead of growing a buffer.
 */
export function bundleResponse(
  fetchAPI: Answering,
  bundle: Readonly<Record<string, unknown>>,
  entries: readonly object[],
  headers: Record<string, string> = {},
): Response {
  const head = JSON.stringify(bundle);
  const init = { status: 200, headers: { ...fetchAPI.headers, 'content-type': FHIR_JSON, ...headers } };
  if (entries.length === 0) return new fetchAPI.Response(head, init);
  let i = 0;
  let text = `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"entry":[`;
  while (i < entries.length && text.length < INLINE) text += (i > 0 ? ',' : '') + JSON.stringify(entries[i++]);
  if (i === entries.length) return new fetchAPI.Response(text + ']}', init);
  const encoder = new TextEncoder();
  let first: string | undefined = text;
  const stream = new fetchAPI.ReadableStream<Uint8Array>({
    pull(controller) {
      let chunk = first ?? '';
      first = undefined;
      while (i < entries.length && chunk.length < CHUNK) chunk += ',' + JSON.stringify(entries[i++]);
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
