/** Helpers of the config-file validators: JSON paths, problem reporting at a path, object and key checks. */
import type { Report } from './checks.ts';
import { checkResourceType, isRecord, typeName, unknownKeyMessage } from './checks.ts';

/** Reports a problem at a JSON path ('' = the whole file). */
export type PathReport = (path: string, message: string) => void;

/** `a.b`, `a[0]`, `a["odd key"]`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

export function checkKeys(obj: Record<string, unknown>, known: readonly string[], path: string, report: PathReport): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) report(joinPath(path, key), unknownKeyMessage(key, known));
  }
}

export function at(report: PathReport, path: string): Report {
  return (message) => report(path, message);
}

export function checkObject(value: unknown, path: string, report: PathReport): value is Record<string, unknown> {
  if (isRecord(value)) return true;
  report(path, `must be an object (got ${typeName(value)})`);
  return false;
}

/** Wraps a reporter to count what passes through it. */
export function counting(report: PathReport): { report: PathReport; count: () => number } {
  let n = 0;
  return {
    report: (path, message) => {
      n++;
      report(path, message);
    },
    count: () => n,
  };
}

/** The resource type names of a JSON array, each checked and once (a problem per bad or repeated item). */
export function readTypeNames(items: readonly unknown[], path: string, outer: PathReport): string[] | undefined {
  const { report, count } = counting(outer);
  const types: string[] = [];
  items.forEach((item, i) => {
    const type = checkResourceType(item, at(report, joinPath(path, i)));
    if (type === undefined) return;
    if (types.includes(type)) report(joinPath(path, i), `repeats ${type}`);
    else types.push(type);
  });
  return count() > 0 ? undefined : types;
}

/** What validating a config file needs besides its JSON. */
export interface FileContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a UTF-8 text file given its absolute path (key files named in the config). */
  readonly readFile: (path: string) => string;
  /** Directory of the config file: relative paths in it resolve against this. */
  readonly dir: string;
}

/** Names of environment variables the file may refer to (bearerTokenEnv, privateKeyEnv). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
