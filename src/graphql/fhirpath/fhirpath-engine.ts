import type { Model } from 'fhirpath';
import { userError } from '../resolvers/errors.ts';

/*
 * HL7's FHIRPath engine (npm `fhirpath`) with its R4 model, for the `fhirpath` list argument and `@slice(path:)`.
 * It is big (~1.4 MB of code, ~10 MB of heap, 100-150 ms to load), so it is imported on first use, never at start-up,
 * and each distinct expression is compiled once (a small LRU cache).
 */

type Lib = typeof import('fhirpath').default;
type Evaluator = (data: unknown, env?: Record<string, unknown>) => unknown[];

/** A compiled FHIRPath expression: its results on an item (`root` is `%resource`, the enclosing resource). */
export type CompiledPath = (item: unknown, root?: unknown) => unknown[];

interface Engine {
  readonly lib: Lib;
  readonly model: Model;
}

const CACHE_SIZE = 256;
const MAX_EXPRESSION_LENGTH = 2_000;
const cache = new Map<string, CompiledPath>();
let engine: Engine | undefined;
let loading: Promise<Engine> | undefined;

/** Loads the engine once (concurrent callers share the import); a failed import is retried on the next call. */
export function loadFhirpath(): Promise<Engine> {
  if (engine) return Promise.resolve(engine);
  loading ??= Promise.all([import('fhirpath'), import('fhirpath/fhir-context/r4')]).then(
    ([lib, r4]) => (engine = { lib: lib.default, model: r4.default }),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** The engine if it was loaded already (for synchronous code that ran after a `loadFhirpath()`). */
export function loadedFhirpath(): Engine | undefined {
  return engine;
}

/**
 * Compiles `expression` for items found at the FHIR element path `base` ('Patient.name'; none for whole resources),
 * once per (base, expression). An expression that does not parse is a BAD_USER_INPUT error naming it.
 */
export function compileFhirpath(loaded: Engine, expression: string, base?: string): CompiledPath {
  const key = `${base ?? ''}\n${expression}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // most recently used last
    cache.set(key, hit);
    return hit;
  }
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw userError('BAD_USER_INPUT', `FHIRPath expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  }
  let evaluator: Evaluator;
  try {
    const options = { traceFn: () => undefined }; // trace() must not write to the server's stdout
    evaluator = loaded.lib.compile(base ? { base, expression } : expression, loaded.model, options) as Evaluator;
  } catch (error) {
    throw userError('BAD_USER_INPUT', `Invalid FHIRPath expression ${JSON.stringify(expression)}: ${shortMessage(error)}`);
  }
  const compiled: CompiledPath = (item, root) => {
    const env = { resource: root ?? item, rootResource: root ?? item };
    try {
      return evaluator(item, env);
    } catch (error) {
      throw userError('BAD_USER_INPUT', `FHIRPath expression ${JSON.stringify(expression)} could not be evaluated: ${shortMessage(error)}`);
    }
  };
  cache.set(key, compiled);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return compiled;
}

/**
 * FHIRPath's boolean reading of a result, as the HL7 reference engine applies the `fhirpath` argument: empty is false,
 * a single boolean is itself, anything else that is not empty is true.
 */
export function isTrue(result: readonly unknown[]): boolean {
  if (result.length === 0) return false;
  if (result.length === 1 && typeof result[0] === 'boolean') return result[0];
  return true;
}

/**
 * The items for which `expression` is true, in order (null items dropped). `base` is the FHIR element path of the
 * items ('Patient.name') so that choice elements and types resolve as in the resource; none for whole resources.
 * `root` is `%resource`.
 */
export async function filterByFhirpath<T>(items: readonly T[], expression: string, base?: string, root?: unknown): Promise<T[]> {
  const compiled = compileFhirpath(await loadFhirpath(), expression, base);
  return items.filter((item) => item !== null && item !== undefined && isTrue(compiled(item, root)));
}

/** The engine's message without its list of expected tokens, on one line, capped. */
function shortMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cut = message.split(' expecting {')[0]!.replace(/\s+/g, ' ').trim();
  return cut.length > 200 ? `${cut.slice(0, 200)}…` : cut;
}
