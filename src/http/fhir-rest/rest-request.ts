import { GatewayError } from '../../errors/gateway-error.ts';
import { shown } from '../../errors/shown.ts';
import { jsonDepthExceeds } from '../json-depth.ts';
import { readBodyBytes } from '../read-body.ts';
import type { RestCall } from './rest-call.ts';

const JSON_TYPES: ReadonlySet<string> = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
const FORMAT_JSON = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir', 'fhir+json']);

/**
 * JSON is the one format: `_format` (any JSON spelling) or an Accept header that allows JSON is fine; asking for
 * XML or Turtle only is 406, as FHIR servers answer a format they cannot produce.
 */
export function checkFormat(request: Request, url: URL): void {
  const format = url.searchParams.get('_format');
  if (format !== null) {
    if (!FORMAT_JSON.has(format.split(';')[0]!.trim().toLowerCase())) {
      throw new GatewayError('NOT_ACCEPTABLE', `_format '${shown(format)}' is not supported; this gateway speaks application/fhir+json only`);
    }
    return;
  }
  const accept = request.headers.get('accept');
  if (!accept) return;
  const ranges = accept.split(',').map((r) => r.split(';')[0]!.trim().toLowerCase());
  if (ranges.some((r) => r === '*/*' || r === 'application/*' || r.endsWith('json') || r === '')) return;
  throw new GatewayError('NOT_ACCEPTABLE', `Accept '${shown(accept)}' asks for a format this gateway does not produce; use application/fhir+json`);
}

export function contentTypeOf(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The request body as text, for a content type of `types` (at most limits.maxBodyBytes: use-body-limit.ts). */
export async function readBody(call: RestCall, types: ReadonlySet<string> = JSON_TYPES): Promise<{ text: string; contentType: string }> {
  const { request } = call;
  const contentType = contentTypeOf(request);
  if (!types.has(contentType)) {
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', `Content-Type '${shown(contentType)}' is not supported here; send ${[...types].join(' or ')}`);
  }
  return { text: (await readBodyBytes(request)).toString('utf8'), contentType };
}

/** A JSON body nested at most maxJsonDepth levels, parsed. */
export function parseJson(call: RestCall, text: string, what: string): unknown {
  if (jsonDepthExceeds(text, call.deps.maxJsonDepth)) {
    throw new GatewayError('JSON_TOO_DEEP', `${what} is nested deeper than ${call.deps.maxJsonDepth} levels (limits.maxJsonDepth)`, {
      details: { limit: call.deps.maxJsonDepth },
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError('INVALID_JSON', `${what} is not valid JSON`);
  }
}

/** A JSON body that must be a resource (a JSON object with a resourceType). */
export async function readResource(call: RestCall): Promise<{ text: string; resource: Record<string, unknown> }> {
  const { text } = await readBody(call);
  const value = parseJson(call, text, 'The body');
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { resourceType?: unknown }).resourceType !== 'string') {
    throw new GatewayError('NOT_A_RESOURCE', 'The body is not a FHIR resource (a JSON object with a resourceType)');
  }
  return { text, resource: value as Record<string, unknown> };
}

/** Search parameters of a GET (query string) or a `POST _search` (form body plus query string), in order. */
export async function searchParamsOf(call: RestCall, post: boolean): Promise<Array<[string, string]>> {
  const params: Array<[string, string]> = [...call.url.searchParams];
  if (post) {
    const { request } = call;
    if (contentTypeOf(request) === '' && Number(request.headers.get('content-length') ?? 0) === 0 && request.headers.get('transfer-encoding') === null) {
      return params;
    }
    const { text } = await readBody(call, new Set(['application/x-www-form-urlencoded']));
    params.push(...new URLSearchParams(text));
  }
  return params;
}
