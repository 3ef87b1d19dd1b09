import type { IncomingMessage } from 'node:http';
import { RestError } from './rest-errors.ts';

/** Bodies larger than this are refused with 413 (a resource or a batch Bundle; attachments belong in Binary). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
const FORMAT_JSON = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir', 'fhir+json']);

/**
 * JSON is the one format: `_format` (any JSON spelling) or an Accept header that allows JSON is fine; asking for
 * XML or Turtle only is 406, as FHIR servers answer a format they cannot produce.
 */
export function checkFormat(req: IncomingMessage, url: URL): void {
  const format = url.searchParams.get('_format');
  if (format !== null) {
    if (!FORMAT_JSON.has(format.split(';')[0]!.trim().toLowerCase())) {
      throw new RestError(406, 'not-supported', `_format '${shown(format)}' is not supported; this gateway speaks application/fhir+json only`);
    }
    return;
  }
  const accept = req.headers.accept;
  if (!accept) return;
  const ranges = accept.split(',').map((r) => r.split(';')[0]!.trim().toLowerCase());
  if (ranges.some((r) => r === '*/*' || r === 'application/*' || r.endsWith('json') || r === '')) return;
  throw new RestError(406, 'not-supported', `Accept '${shown(accept)}' asks for a format this gateway does not produce; use application/fhir+json`);
}

/** The request body as text, for a JSON content type (`types` lists which), at most MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage, types: ReadonlySet<string> = JSON_TYPES): Promise<{ text: string; contentType: string }> {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!types.has(contentType)) {
    req.resume();
    throw new RestError(415, 'not-supported', `Content-Type '${shown(contentType)}' is not supported here; send ${[...types].join(' or ')}`);
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    req.resume();
    throw new RestError(413, 'too-costly', `The body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0; // read (and drop) the rest, so that the client gets to read the 413
    });
    req.once('end', resolve);
    req.once('error', reject);
    req.once('close', () => (req.complete ? resolve() : reject(new Error('The client closed the connection'))));
  });
  if (size > MAX_BODY_BYTES) throw new RestError(413, 'too-costly', `The body is larger than ${MAX_BODY_BYTES} bytes`);
  return { text: Buffer.concat(chunks).toString('utf8'), contentType };
}

/** A JSON body that must be a resource (of `resourceType` when given). */
export async function readResource(req: IncomingMessage, resourceType?: string): Promise<{ text: string; resource: Record<string, unknown> }> {
  const { text } = await readBody(req);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RestError(400, 'structure', 'The body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { resourceType?: unknown }).resourceType !== 'string') {
    throw new RestError(400, 'structure', 'The body is not a FHIR resource (a JSON object with a resourceType)');
  }
  const resource = value as Record<string, unknown>;
  if (resourceType !== undefined && resource['resourceType'] !== resourceType) {
    throw new RestError(400, 'invalid', `The body is a ${shown(String(resource['resourceType']))}, but the URL names ${resourceType}`);
  }
  return { text, resource };
}

/** Search parameters of a GET (query string) or a `POST _search` (form body plus query string), in order. */
export async function searchParamsOf(req: IncomingMessage, url: URL, post: boolean): Promise<Array<[string, string]>> {
  const params: Array<[string, string]> = [...url.searchParams];
  if (post) {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType === '' && Number(req.headers['content-length'] ?? 0) === 0 && req.headers['transfer-encoding'] === undefined) {
      req.resume();
      return params;
    }
    const { text } = await readBody(req, new Set(['application/x-www-form-urlencoded']));
    params.push(...new URLSearchParams(text));
  }
  return params;
}

/**
 * The gateway's own base URL as the client reached it (scheme and host from X-Forwarded-Proto / X-Forwarded-Host when
 * a proxy set them, else the Host header), plus the FHIR base path.
 */
export function publicBase(req: IncomingMessage, basePath: string): string {
  const forwardedProto = first(req.headers['x-forwarded-proto']);
  const forwardedHost = first(req.headers['x-forwarded-host']);
  const proto = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : 'http';
  const host = (forwardedHost ?? req.headers.host ?? '127.0.0.1').replace(/[^A-Za-z0-9.:[\]-]/g, '');
  return `${proto}://${host}${basePath}`;
}

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.split(',')[0]?.trim() || undefined;
}

/** A value for a message: echoed, but never at length. */
export function shown(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}...` : value;
}
