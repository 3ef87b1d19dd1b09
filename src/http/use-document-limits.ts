import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import type { ParseOptions, Token } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/*
 * GraphQL document limits, enforced before (size) and instead of an unbounded parse (tokens, nesting), on every
 * GraphQL endpoint: yoga's HTTP routes through onParams, and every envelop parse (HTTP, $graphql, WebSocket through
 * getEnveloped) through the replaced parse function.
 *
 * Why: graphql's parser takes a document of any size (a 10 MB document of 3.5 M tokens blocked the event loop 11 s and
 * its AST filled the heap; yoga's parse cache kept such documents) and recurses once per bracket level (a document
 * nested 10,000 deep threw RangeError, answered 500 with a stack trace in the log).
 */

export interface DocumentLimits {
  /** Largest document, UTF-8 bytes. */
  readonly maxDocumentBytes: number;
  /** Most lexical tokens, comments included (they are kept in the token list of a cached AST too). */
  readonly maxDocumentTokens: number;
  /** Deepest nesting of `{`, `(` and `[`. */
  readonly maxDocumentNesting: number;
}

export type DocumentLimitCode = 'DOCUMENT_TOO_LARGE' | 'TOO_MANY_TOKENS' | 'DOCUMENT_TOO_DEEP';

const DOCUMENT_LIMIT_CODES: ReadonlySet<unknown> = new Set<DocumentLimitCode>(['DOCUMENT_TOO_LARGE', 'TOO_MANY_TOKENS', 'DOCUMENT_TOO_DEEP']);

/** Whether `error` is one of ours (document-cache.ts does not cache these: the refusal is as cheap as a lookup). */
export function isDocumentLimitError(error: unknown): boolean {
  return error instanceof GraphQLError && DOCUMENT_LIMIT_CODES.has(error.extensions['code']);
}

/**
 * The yoga plugin. Put it in yoga's `plugins` (user plugins run before yoga's own parse cache, so the size check in
 * onParams comes before any cache lookup); the scan runs only when the parse function runs, i.e. on a cache miss.
 *
 * - onParams: a `query` over maxDocumentBytes is answered 413 DOCUMENT_TOO_LARGE at once, nothing parsed or cached.
 *   413, not 400: the request is refused for its size before it is read as GraphQL, like yoga's own
 *   REQUEST_ENTITY_TOO_LARGE for bodies, and a client may retry a smaller one.
 * - parse: {@link checkDocument} (size again, for transports without onParams; tokens; nesting), then the previous
 *   parse function with `maxLexicalTokens` as a second bound. Syntax errors stay GRAPHQL_PARSE_FAILED as before.
 * - onExecutionResult: keeps the refusal a 4xx for clients that accept application/json too. yoga marks every error
 *   thrown by parse as a GraphQL-over-HTTP "request error" (`extensions.http.spec`), which it answers 200 under
 *   application/json (the spec's legacy rule, kept for syntax errors); a refusal by a limit is not a mistake in the
 *   client's GraphQL but the server declining the work, and monitoring, proxies and rate limiters should see it as such.
 */
export function useDocumentLimits(limits: DocumentLimits): Plugin {
  return {
    onParams({ params, setResult }) {
      if (typeof params.query !== 'string') return; // yoga's parameter check reports it
      const error = documentSizeError(params.query, limits.maxDocumentBytes);
      if (error !== undefined) setResult({ errors: [error] });
    },
    onExecutionResult({ result }) {
      if (result === undefined || Symbol.asyncIterator in result) return;
      for (const error of result.errors ?? []) {
        const http: unknown = isDocumentLimitError(error) ? error.extensions['http'] : undefined;
        if (typeof http === 'object' && http !== null && 'spec' in http) (http as { spec: boolean }).spec = false;
      }
    },
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options?: ParseOptions) => {
        checkDocument(typeof source === 'string' ? source : source.body, limits);
        return parseFn(source, { ...options, maxLexicalTokens: limits.maxDocumentTokens });
      });
    },
  };
}

/** DOCUMENT_TOO_LARGE when `text` has more than `maxBytes` UTF-8 bytes; counts bytes only when its length leaves doubt. */
export function documentSizeError(text: string, maxBytes: number): GraphQLError | undefined {
  // A UTF-16 code unit is 1 to 3 UTF-8 bytes.
  if (text.length * 3 <= maxBytes) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return undefined;
  return limitError(
    'DOCUMENT_TOO_LARGE', 413, `The GraphQL document is ${bytes} bytes, more than the limit of ${maxBytes}.`, maxBytes, bytes,
  );
}

/**
 * Throws DOCUMENT_TOO_LARGE, TOO_MANY_TOKENS or DOCUMENT_TOO_DEEP (with the location of the token that passed the
 * limit), stopping at the first token past a limit. Scans with graphql's own Lexer, so strings, block strings and
 * comments are read exactly as the parser reads them. A lexical error ends the scan quietly: the parser then reports
 * it as the syntax error it is (having met no more tokens or nesting than the scan did).
 */
export function checkDocument(body: string, limits: DocumentLimits): void {
  const tooLarge = documentSizeError(body, limits.maxDocumentBytes);
  if (tooLarge !== undefined) throw tooLarge;
  const source = new Source(body);
  const lexer = new Lexer(source);
  let tokens = 0;
  let depth = 0;
  for (;;) {
    const previous: Token = lexer.token;
    let token: Token;
    try {
      token = lexer.advance();
    } catch {
      return;
    }
    // advance() steps over comments; they stay linked between the two tokens.
    for (let t = token.prev; t !== null && t !== previous; t = t.prev) tokens++;
    if (token.kind === TokenKind.EOF) {
      if (tokens > limits.maxDocumentTokens) throw tooManyTokens(source, token, limits.maxDocumentTokens);
      return;
    }
    if (++tokens > limits.maxDocumentTokens) throw tooManyTokens(source, token, limits.maxDocumentTokens);
    const kind = token.kind;
    if (kind === TokenKind.BRACE_L || kind === TokenKind.PAREN_L || kind === TokenKind.BRACKET_L) {
      if (++depth > limits.maxDocumentNesting) {
        const message = `The GraphQL document nests brackets more than ${limits.maxDocumentNesting} deep (the limit).`;
        throw limitError('DOCUMENT_TOO_DEEP', 400, message, limits.maxDocumentNesting, depth, source, token.start);
      }
    } else if (kind === TokenKind.BRACE_R || kind === TokenKind.PAREN_R || kind === TokenKind.BRACKET_R) {
      depth--;
    }
  }
}

/** `actual` is the count where the scan stopped: the limit + 1, the document may have more. */
function tooManyTokens(source: Source, token: Token, max: number): GraphQLError {
  return limitError('TOO_MANY_TOKENS', 400, `The GraphQL document has more than ${max} tokens (the limit).`, max, max + 1, source, token.start);
}

function limitError(
  code: DocumentLimitCode, status: number, message: string, limit: number, actual: number, source?: Source, position?: number,
): GraphQLError {
  return new GraphQLError(message, {
    ...(source !== undefined && position !== undefined && { source, positions: [position] }),
    extensions: { code, http: { status }, limit, actual },
  });
}
