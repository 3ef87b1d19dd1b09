import { isAsyncIterable, processRegularResult, type Plugin } from 'graphql-yoga';

/** The media types yoga answers GraphQL in (its result processors, use-result-processor.js). */
const ANSWERABLE: readonly (readonly [string, string])[] = [
  ['application', 'graphql-response+json'],
  ['application', 'json'],
  ['text', 'event-stream'],
  ['multipart', 'mixed'],
];

/**
 * GraphQL over HTTP when the Accept header names no media type the server answers in (`text/html`, `application/xml`):
 * the spec lets a server refuse with 406 before processing, or disregard the header and answer in
 * application/graphql-response+json. yoga did neither: it executed the operation — a mutation's write included — and
 * then answered 406 with an empty body, so the client never learnt that the write happened (a retry writes twice) and
 * no error said why. This takes the spec's second way. (The `$graphql` endpoints answer JSON whatever the header:
 * use-fhir-graphql.ts.)
 */
export function useDefaultMediaType(): Plugin {
  return {
    onResultProcess({ request, result, setResultProcessor }) {
      if (isAsyncIterable(result) || acceptsAnswerable(request.headers.get('accept'))) return;
      setResultProcessor(processRegularResult, 'application/graphql-response+json');
    },
  };
}

/** Whether yoga finds a result processor for this Accept header (its own matching: wildcards, UTF-8 only, no q-values). */
function acceptsAnswerable(accept: string | null): boolean {
  for (const range of (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',')) {
    const [mediaType = '', ...params] = range.split(';');
    const charset = params.find((p) => p.includes('charset=')) ?? 'charset=utf-8';
    if (charset !== 'charset=utf-8') continue;
    const [type, subtype] = mediaType.split('/');
    if (ANSWERABLE.some(([t, s]) => (type === '*' || type === t) && (subtype === '*' || subtype === s))) return true;
  }
  return false;
}
