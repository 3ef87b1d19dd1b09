import { TokenKind } from 'graphql';
import type { DocumentNode } from 'graphql';
import { isDocumentLimitError } from './use-document-limits.ts';

/*
 * yoga's parse caches (`parserAndValidationCache`: documentCache and errorCache, keyed by the query text), bounded
 * in entries AND in estimated heap bytes. yoga's default is an LRU of 1,024 entries of any size: three 10 MB
 * documents (or 182 comment-padded 23 MB ones) were enough to exhaust the heap.
 *
 * What an entry costs (measured on Node 24 / graphql 17 with --expose-gc: heap after minus before retaining 30
 * parsed documents of each shape near the default limits): a cached DocumentNode keeps its whole token list (every
 * node's `loc` links into it, comments included) besides the AST nodes and the query string. Per token:
 *   dense selections `{ a a a ... }`    418 bytes     aliased fields `x: a`          234 bytes
 *   nested selections                  290 bytes     list values `[1, 2, ...]`      239 bytes
 *   strings `"abcdefghij"`             275 bytes     comments `#\n`                 86 bytes
 *   one long comment                   1 byte per character
 * So the source text alone is no measure: 20 KB of `a a a` is 4 MB of heap, and yoga's default cache (1,024 entries
 * of any size) grew the heap by 400 MB with 100 such documents. The estimate below is 1.1 to 1.9 times the measured
 * heap of every shape above; validation results (yoga keeps them in WeakMaps keyed by the document) go with the
 * document, inside BYTES_PER_ENTRY.
 */

/** Estimated heap bytes per non-comment token of a cached document (AST node share, Location, Token). */
export const BYTES_PER_TOKEN = 450;
/** Estimated heap bytes per comment token (kept in the token list). */
export const BYTES_PER_COMMENT = 100;
/** Estimated heap bytes of any cached document besides its tokens and text (map entry, validation results). */
export const BYTES_PER_ENTRY = 1024;
/** Estimated heap bytes of a cached parse error besides its query text (GraphQLError, its stack text, locations). */
export const BYTES_PER_ERROR = 2048;

export const DEFAULT_DOCUMENT_CACHE: Readonly<DocumentCacheOptions> = Object.freeze({
  maxEntries: 1000,
  maxBytes: 32 * 1024 * 1024,
  maxErrorEntries: 1000,
  maxErrorBytes: 4 * 1024 * 1024,
});

export interface DocumentCacheOptions {
  /** Parsed documents kept (default 1000). */
  readonly maxEntries: number;
  /** Estimated heap bytes of the parsed documents kept (default 32 MiB). */
  readonly maxBytes: number;
  /** Syntax errors kept (default 1000). Errors of a document limit are never kept. */
  readonly maxErrorEntries: number;
  /** Estimated heap bytes of the syntax errors kept, their query text included (default 4 MiB). */
  readonly maxErrorBytes: number;
}

/** The shape of yoga's `parserAndValidationCache` option. */
export interface DocumentCaches {
  readonly documentCache: BoundedCache<DocumentNode>;
  readonly errorCache: BoundedCache<unknown>;
  readonly validationCache: true;
}

/**
 * `createYoga({ parserAndValidationCache: createDocumentCache() })`. (yoga 5.24 keeps validation results in WeakMaps
 * keyed by the cached documents and ignores a validationCache object, so `true` is all there is to give.)
 */
export function createDocumentCache(options: Partial<DocumentCacheOptions> = {}): DocumentCaches {
  const o = { ...DEFAULT_DOCUMENT_CACHE, ...options };
  return {
    documentCache: new BoundedCache<DocumentNode>({ maxEntries: o.maxEntries, maxBytes: o.maxBytes, sizeOf: estimateDocumentBytes }),
    errorCache: new BoundedCache<unknown>({
      maxEntries: o.maxErrorEntries,
      maxBytes: o.maxErrorBytes,
      sizeOf: (key) => stringBytes(key) + BYTES_PER_ERROR,
      // A document refused by a limit is refused again at the cost of a scan that stops at the limit: keeping it
      // would only hold attack text in memory.
      accept: (_key, error) => !isDocumentLimitError(error),
    }),
    validationCache: true,
  };
}

/** Estimated heap bytes of a parsed document cached under `key`, from its token list (see the table above). */
export function estimateDocumentBytes(key: string, document: DocumentNode): number {
  let tokens = 0;
  let comments = 0;
  for (let token = document.loc?.startToken ?? null; token !== null; token = token.next) {
    if (token.kind === TokenKind.COMMENT) comments++;
    else tokens++;
  }
  // Without locations (parsed with noLocation) the token list is gone; count the text as if it were dense tokens.
  if (document.loc === undefined) tokens = Math.ceil(key.length / 2);
  return BYTES_PER_ENTRY + stringBytes(key) + tokens * BYTES_PER_TOKEN + comments * BYTES_PER_COMMENT;
}

/** V8 keeps Latin-1 strings at one byte per character, others at two. */
function stringBytes(text: string): number {
  return /[^\u0000-\u00ff]/.test(text) ? text.length * 2 : text.length;
}

export interface BoundedCacheOptions<V> {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** Estimated bytes of an entry. */
  readonly sizeOf: (key: string, value: V) => number;
  /** false: `set` ignores the entry. */
  readonly accept?: (key: string, value: V) => boolean;
}

/**
 * A least-recently-used cache bounded in entries and in bytes (each entry weighed once by `sizeOf` when set). An
 * entry larger than the whole byte budget is not kept. A Map keeps insertion order: `get` moves a hit to the end,
 * eviction takes from the front.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  readonly #options: BoundedCacheOptions<V>;
  #bytes = 0;

  constructor(options: BoundedCacheOptions<V>) {
    this.#options = options;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    const { maxEntries, maxBytes, sizeOf, accept } = this.#options;
    if (accept !== undefined && !accept(key, value)) return;
    this.delete(key);
    const bytes = sizeOf(key, value);
    if (bytes > maxBytes || maxEntries < 1) return;
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
    while (this.#entries.size > maxEntries || this.#bytes > maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
  }

  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    return true;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** Entries kept. */
  get size(): number {
    return this.#entries.size;
  }

  /** Estimated bytes of the entries kept. */
  get bytes(): number {
    return this.#bytes;
  }
}
