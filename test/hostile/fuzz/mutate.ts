// Byte-level (UTF-16 code unit) mutations of a GraphQL document: delete, insert, duplicate or swap spans, truncate,
// bracket bombs, unterminated strings and block strings, random unicode (lone surrogates, NUL, BOM, line separators,
// RTL override), very long names and numbers, comment padding. The result is whatever it is: the gateway must answer
// it with a spec-shaped error or a result, never a 5xx.
import type { Rng } from './prng.ts';

const PUNCTUATION = ['{', '}', '(', ')', '[', ']', ':', '$', '@', '!', '=', '|', '&', '...', '..', '"', '"""', '#', ',', '\\', '\n', ' '];
const WORDS = ['query', 'mutation', 'subscription', 'fragment', 'on', 'null', 'true', 'false', '__typename', '__schema', 'Patient', 'PatientList', 'id', 'name', '@include', '@slice(path:', '$v1', '...F1', 'extend', 'schema', 'directive', 'input', 'type'];
const UNITS = ['\u0000', '\ud800', '\udfff', '\ufeff', '\u2028', '\u2029', '\u202e', '\u0085', '\u00a0', '\u200b', '\u0301', '\ud83d\ude00', '\u4e2d', '\uffff', '\u0007', '\u001f', '\u007f', '\r', '\t', '\u000b'];

type Mutation = (rng: Rng, text: string) => string;

const at = (rng: Rng, text: string) => rng.int(0, text.length);
const span = (rng: Rng, text: string): [number, number] => {
  const start = rng.int(0, Math.max(0, text.length - 1));
  return [start, Math.min(text.length, start + rng.int(1, Math.max(1, Math.min(64, text.length))))];
};
const insert = (text: string, i: number, piece: string) => text.slice(0, i) + piece + text.slice(i);

const MUTATIONS: readonly (readonly [Mutation, number])[] = [
  [(rng, t) => { const [a, b] = span(rng, t); return t.slice(0, a) + t.slice(b); }, 6], // delete a span
  [(rng, t) => insert(t, at(rng, t), rng.pick(PUNCTUATION)), 6],
  [(rng, t) => insert(t, at(rng, t), ` ${rng.pick(WORDS)} `), 4],
  [(rng, t) => { const [a, b] = span(rng, t); return insert(t, b, t.slice(a, b).repeat(rng.int(1, 4))); }, 4], // duplicate
  [(rng, t) => { // swap two spans
    const [a, b] = span(rng, t);
    const [c, d] = span(rng, t);
    if (b > c) return t;
    return t.slice(0, a) + t.slice(c, d) + t.slice(b, c) + t.slice(a, b) + t.slice(d);
  }, 3],
  [(rng, t) => t.slice(0, at(rng, t)), 3], // truncate
  [(rng, t) => { // replace one code unit
    const i = rng.int(0, Math.max(0, t.length - 1));
    return t.slice(0, i) + rng.pick([...PUNCTUATION, ...UNITS]) + t.slice(i + 1);
  }, 4],
  [(rng, t) => insert(t, at(rng, t), rng.pick(['{', '[', '(']).repeat(rng.pick([10, 63, 65, 200, 1000, 5000, 20_000]))), 2], // bracket bomb
  [(rng, t) => insert(t, at(rng, t), '{ a '.repeat(rng.pick([60, 70, 500])) + '}'.repeat(rng.int(0, 100))), 1],
  [(rng, t) => insert(t, at(rng, t), `"${rng.pick(['abc', '\\u12', '\\x', '\\', '\\uD800', '\\u{1F600}', '\\u{110000}', ''])}`), 3], // unterminated / bad escapes
  [(rng, t) => insert(t, at(rng, t), `"""${rng.pick(['abc', '\\"""', '\u0000', ''])}`), 2], // unterminated block string
  [(rng, t) => insert(t, at(rng, t), Array.from({ length: rng.int(1, 8) }, () => rng.pick(UNITS)).join('')), 4], // raw unicode
  [(rng, t) => insert(t, at(rng, t), ` ${rng.pick(['a', '_', 'Z9'])}${'a'.repeat(rng.pick([100, 1000, 30_000, 99_000, 120_000]))} `), 2], // long name
  [(rng, t) => insert(t, at(rng, t), ` ${'9'.repeat(rng.pick([20, 400, 5000]))}${rng.pick(['', '.5', 'e99999', 'e-99999'])} `), 1], // long number
  [(rng, t) => insert(t, at(rng, t), `\n${`#${'x'.repeat(rng.int(0, 80))}\n`.repeat(rng.pick([10, 500, 5000, 12_000]))}`), 2], // comment padding
  [(rng, t) => insert(t, at(rng, t), `\n#${'p'.repeat(rng.pick([1000, 50_000, 101_000]))}\n`), 1], // one long comment
  [(rng, t) => insert(t, at(rng, t), ' ...F1 ... on Patient { ...F1 } '), 1],
  [(_rng, t) => `${t}\n${t}`, 1], // every operation and fragment twice
];

/** `text` after 1 to 4 random mutations. */
export function mutateText(rng: Rng, text: string): string {
  let out = text;
  for (let i = 0, n = rng.int(1, 4); i < n; i++) out = rng.weighted(MUTATIONS)(rng, out);
  return out;
}
