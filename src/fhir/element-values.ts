/**
 * The values of a resource at FHIR element paths (`name.family`, `subject`, `effective`), arrays followed at every
 * step, a choice element's name (`effective`, `value`) matching each of its typed JSON keys (`effectiveDateTime`,
 * `effectivePeriod`, ...). What search parameters (sort keys, search matching, granular scopes) read from a resource.
 */
export function valuesAt(resource: unknown, paths: readonly string[]): unknown[] {
  const out: unknown[] = [];
  for (const path of paths) collect(resource, path.split('.'), 0, out);
  return out;
}

function collect(value: unknown, steps: readonly string[], i: number, out: unknown[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, steps, i, out);
    return;
  }
  if (i === steps.length) {
    out.push(value);
    return;
  }
  if (typeof value !== 'object') return;
  const element = value as Record<string, unknown>;
  const step = steps[i]!;
  if (step in element) collect(element[step], steps, i + 1, out);
  else for (const key of choiceKeys(element, step)) collect(element[key], steps, i + 1, out);
}

/** `effective` names a choice element: its JSON key is `effectiveDateTime`, `effectivePeriod`, ... */
function choiceKeys(element: Record<string, unknown>, name: string): string[] {
  const keys: string[] = [];
  for (const key in element) {
    if (key.length > name.length && key.startsWith(name)) {
      const c = key.charCodeAt(name.length);
      if (c >= 65 && c <= 90) keys.push(key);
    }
  }
  return keys;
}
