// What every fuzz answer must look like, and the run's numbers. An answer fails when it is a 5xx; when its body leaks
// a stack trace or an `originalError`/`stack` key; when an error answer is not spec-shaped (JSON with a non-empty
// `errors[]`, each with a string `message` and a string `extensions.code`); when a field hid an unexpected exception
// (INTERNAL_SERVER_ERROR: masked, but a crash of a resolver all the same); when the upstream failed on what the gateway
// sent it (UPSTREAM_FAILED). A route error of a FHIR path may be an OperationOutcome (the REST error shape), as the
// `$graphql` route answers a URL that names nothing.

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Headers;
}

/** A stack frame (`at fn (/path/file.ts:1:2)`, `at file:///...:1:2`, `at node:internal/...:1:2`) or a source path. */
const STACK = /\bat\s+(?:async\s+)?(?:[\w$.<>[\] ]+\s+\()?(?:file:\/\/|node:|\/)[^\s)"]*:\d+:\d+|node_modules[\\/]|\/work\/main\/|\.ts:\d+:\d+/;
const FORBIDDEN_KEYS = new Set(['originalError', 'stack']);
/**
 * Codes that the fuzz upstream (Medplum's in-memory server, no faults injected) only gives when the gateway sent it
 * something it should not have: an answer of the wrong shape (`Patient/.` read as a search), a 5xx, an open breaker.
 */
const UPSTREAM_FAILED = new Set(['UPSTREAM_BAD_RESPONSE', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE', 'SOURCE_UNAVAILABLE']);

/** Problems of one answer (empty: fine), the error codes it carries and whether it has `data` (execution ran). */
export function checkAnswer(answer: Answer): { problems: string[]; codes: string[]; executed: boolean } {
  const problems: string[] = [];
  const codes = new Set<string>();
  const seen = { data: false };
  const { status, contentType, text } = answer;
  if (status >= 500) problems.push(`HTTP ${status}`);
  const stack = STACK.exec(text);
  if (stack) problems.push(`stack text in the body: ${JSON.stringify(text.slice(Math.max(0, stack.index - 80), stack.index + 80))}`);
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const payload = (body: unknown, isErrorStatus: boolean) => {
    checkPayload(body, isErrorStatus, answer.path, problems, codes);
    if (typeof body === 'object' && body !== null && (body as { data?: unknown }).data != null) seen.data = true;
  };

  if (answer.method === 'HEAD' || (text === '' && status < 400)) return { problems, codes: [...codes], executed: seen.data };
  // node:http itself refuses a request it cannot parse (431: request line and headers past its 16 KB maxHeaderSize;
  // 400: malformed) before the gateway sees it: no body, no request id. Not the gateway's answer to check.
  if (text === '' && (status === 431 || status === 400) && answer.headers !== undefined && !answer.headers.has('x-request-id')) {
    codes.add(`node:http ${status}`);
    return { problems, codes: [...codes], executed: seen.data };
  }
  if (type === 'application/json' || type === 'application/graphql-response+json' || type === 'application/fhir+json' || type === 'application/health+json') {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      problems.push(`body is not JSON (${type}): ${JSON.stringify(text.slice(0, 120))}`);
      return { problems, codes: [...codes], executed: seen.data };
    }
    payload(body, status >= 400);
  } else if (type === 'text/event-stream') {
    for (const line of text.split('\n')) {
      if (!line.startsWith('data:') || line.trim() === 'data:') continue;
      try {
        payload(JSON.parse(line.slice(5)), false);
      } catch {
        problems.push(`event-stream data is not JSON: ${JSON.stringify(line.slice(0, 120))}`);
      }
    }
  } else if (type === 'multipart/mixed') {
    for (const line of text.split(/\r?\n/)) {
      if (!line.startsWith('{')) continue;
      try {
        payload(JSON.parse(line), false);
      } catch {
        problems.push(`multipart part is not JSON: ${JSON.stringify(line.slice(0, 120))}`);
      }
    }
  } else if (type === 'text/html' && status === 200) {
    // GraphiQL for a browser's GET
  } else if (status >= 400) {
    problems.push(`HTTP ${status} answered as '${contentType}', not JSON: ${JSON.stringify(text.slice(0, 120))}`);
  } else {
    problems.push(`unexpected content type '${contentType}' with HTTP ${status}`);
  }
  return { problems, codes: [...codes], executed: seen.data };
}

function checkPayload(body: unknown, isErrorStatus: boolean, path: string, problems: string[], codes: Set<string>): void {
  const forbidden = findKey(body, 0);
  if (forbidden) problems.push(`key '${forbidden}' in the body`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    problems.push(`body is not a JSON object: ${JSON.stringify(body)?.slice(0, 120)}`);
    return;
  }
  const record = body as Record<string, unknown>;
  if (record['resourceType'] === 'OperationOutcome') {
    if (!path.startsWith('/fhir/')) problems.push('an OperationOutcome answered a GraphQL request');
    else if (!isErrorStatus) problems.push('an OperationOutcome with a 2xx status');
    const issues = record['issue'];
    if (!Array.isArray(issues) || issues.length === 0) problems.push('an OperationOutcome without issues');
    codes.add(`OperationOutcome`);
    return;
  }
  if ('errors' in record) {
    const errors = record['errors'];
    if (!Array.isArray(errors) || errors.length === 0) {
      problems.push(`'errors' is not a non-empty array: ${JSON.stringify(errors)?.slice(0, 120)}`);
      return;
    }
    for (const error of errors as unknown[]) {
      const e = error as { message?: unknown; extensions?: { code?: unknown } } | null;
      if (typeof e !== 'object' || e === null) {
        problems.push(`an error is not an object: ${JSON.stringify(error)?.slice(0, 120)}`);
        continue;
      }
      if (typeof e.message !== 'string') problems.push(`an error without a string message: ${JSON.stringify(error).slice(0, 200)}`);
      const code = e.extensions?.code;
      if (typeof code !== 'string') problems.push(`an error without a string extensions.code: ${JSON.stringify(error).slice(0, 200)}`);
      else codes.add(code);
      if (typeof code === 'string' && UPSTREAM_FAILED.has(code)) problems.push(`${code} (the well-behaved upstream failed on what the gateway sent): ${JSON.stringify(error).slice(0, 200)}`);
      if (code === 'INTERNAL_SERVER_ERROR') problems.push(`INTERNAL_SERVER_ERROR (an unexpected exception, masked): ${JSON.stringify(error).slice(0, 200)}`);
    }
  } else if (isErrorStatus) {
    problems.push(`an error status without 'errors': ${JSON.stringify(body).slice(0, 120)}`);
  } else if (!('data' in record) && !('status' in record)) {
    problems.push(`neither data nor errors: ${JSON.stringify(body).slice(0, 120)}`);
  }
}

/** The first forbidden key anywhere in a JSON value (bounded depth: answers are not that deep). */
function findKey(value: unknown, depth: number): string | undefined {
  if (depth > 200 || typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findKey(item, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const found = findKey(item, depth + 1);
    if (found) return found;
  }
  return undefined;
}

interface KindStats {
  count: number;
  /** Answers with `data`: the document was executed. */
  executed: number;
  totalMs: number;
  maxMs: number;
}

export interface Failure {
  readonly caseIndex: number;
  readonly kind: string;
  readonly problems: readonly string[];
  readonly request: string;
}

/** Counters only (the test's own memory stays small): statuses, codes, time per kind, the first failures. */
export class FuzzStats {
  count = 0;
  readonly statuses = new Map<number, number>();
  readonly codes = new Map<string, number>();
  readonly kinds = new Map<string, KindStats>();
  /** The first failures of each kind of problem (its text up to the first ':'), at most 3 each and 40 in all. */
  readonly failures: Failure[] = [];
  readonly problemKinds = new Map<string, number>();
  failureCount = 0;
  readonly slowest: { caseIndex: number; kind: string; ms: number }[] = [];

  record(caseIndex: number, kind: string, ms: number, status: number, codes: readonly string[], executed = false): void {
    this.count++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    for (const code of codes) this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
    const k = this.kinds.get(kind) ?? { count: 0, executed: 0, totalMs: 0, maxMs: 0 };
    k.count++;
    if (executed) k.executed++;
    k.totalMs += ms;
    k.maxMs = Math.max(k.maxMs, ms);
    this.kinds.set(kind, k);
    if (this.slowest.length < 5 || ms > this.slowest[this.slowest.length - 1]!.ms) {
      this.slowest.push({ caseIndex, kind, ms });
      this.slowest.sort((a, b) => b.ms - a.ms);
      this.slowest.length = Math.min(this.slowest.length, 5);
    }
  }

  fail(failure: Failure): void {
    this.failureCount++;
    const kind = failure.problems.map((p) => p.split(':')[0]!).join('; ');
    const seen = this.problemKinds.get(kind) ?? 0;
    this.problemKinds.set(kind, seen + 1);
    if (seen < 3 && this.failures.length < 40) this.failures.push(failure);
  }
}

export const sortedCounts = <K>(map: ReadonlyMap<K, number>): string =>
  [...map].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${String(k)}:${n}`).join(' ');
