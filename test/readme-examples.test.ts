// README's examples run as written against `npm start`: every ```graphql operation and every curl command of the
// README, in the order a reader meets them, against the gateway started as `npm start` starts it (the two demo sources,
// defaultWriteSource `hospital`). An operation answers without errors, unless the comment after it names an error code
// (then that error is what it answers), and equals the JSON in that comment when there is one (the value of its root
// field, as README says of its outputs). A curl command answers below 400 with no error in its body. The commands are
// read as a shell reads them (quotes, `\` line continuations) and sent with fetch, so no curl is needed to run this.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors/error-codes.ts';
import { startGateway, type RunningGateway } from '../src/start-gateway.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const DOCUMENTED_BASE = 'http://127.0.0.1:4000';

interface Block {
  readonly lang: string;
  readonly text: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** Fenced code blocks, indented ones (inside list items) included, dedented. */
function codeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    blocks.push({ lang: open[2]!, text: body.join('\n'), line: i + 1 });
    i = j;
  }
  return blocks;
}

type Expected = { readonly error: string } | { readonly data: unknown } | undefined;

interface Example {
  readonly kind: 'graphql' | 'curl';
  readonly text: string;
  readonly line: number;
  readonly expected: Expected;
}

/** What the comment after an operation documents: an error code it names, else its JSON, else nothing. */
function expectation(comment: string): Expected {
  if (comment === '') return undefined;
  const code = ERROR_CODES.find((c) => new RegExp(`\\b${c}\\b`).test(comment));
  if (code !== undefined) return { error: code };
  try {
    return { data: JSON.parse(comment) };
  } catch {
    return undefined;
  }
}

function examplesOf(markdown: string): Example[] {
  const examples: Example[] = [];
  for (const block of codeBlocks(markdown)) {
    if (block.lang === 'graphql') {
      const definitions = parse(block.text).definitions;
      definitions.forEach((def, i) => {
        const end = i + 1 < definitions.length ? definitions[i + 1]!.loc!.start : block.text.length;
        const comment = block.text.slice(def.loc!.end, end).split('\n').map((l) => l.trim()).filter((l) => l.startsWith('#'))
          .map((l) => l.slice(1).trim()).join(' ');
        const line = block.line + block.text.slice(0, def.loc!.start).split('\n').length;
        examples.push({ kind: 'graphql', text: block.text.slice(def.loc!.start, def.loc!.end), line, expected: expectation(comment) });
      });
    } else if (block.lang === 'sh') {
      const commands = block.text.replace(/\\\n/g, ' ').split('\n');
      commands.forEach((command, i) => {
        if (command.trim().startsWith('curl ')) examples.push({ kind: 'curl', text: command.trim(), line: block.line + 1 + i, expected: undefined });
      });
    }
  }
  return examples;
}

/** Shell words, as sh splits them: '...' literally, "..." without expansions (a `$` there is refused), `\x` escapes. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${command}`);
      word = (word ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      const end = command.indexOf('"', i + 1);
      if (end < 0) throw new Error(`unterminated " in: ${command}`);
      const quoted = command.slice(i + 1, end);
      if (/[$`\\]/.test(quoted)) throw new Error(`"${quoted}": the shell would expand it; quote it with '...'`);
      word = (word ?? '') + quoted;
      i = end;
    } else if (c === '\\') {
      word = (word ?? '') + (command[++i] ?? '');
    } else if (c === '$' || c === '`') {
      throw new Error(`unquoted ${c} in: ${command}`);
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** A curl command line as the request curl would send (the options README uses; any other is refused). */
function curlRequest(command: string, base: string): { url: string; init: RequestInit } {
  const [curl, ...args] = shellWords(command);
  expect(curl).toBe('curl');
  let method: string | undefined;
  let url: string | undefined;
  let get = false;
  const headers: Record<string, string> = {};
  const data: string[] = [];
  const encoded: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '-X' || arg === '--request') method = value();
    else if (arg === '-H' || arg === '--header') {
      const h = value();
      headers[h.slice(0, h.indexOf(':')).trim().toLowerCase()] = h.slice(h.indexOf(':') + 1).trim();
    } else if (arg === '-d' || arg === '--data' || arg === '--data-raw') {
      const d = value();
      data.push(arg !== '--data-raw' && d.startsWith('@') ? readFileSync(new URL(d.slice(1), `file://${ROOT}`), 'utf8').replace(/[\r\n]/g, '') : d);
    } else if (arg === '--data-urlencode') {
      const d = value();
      const eq = d.indexOf('=');
      encoded.push(eq < 0 ? encodeURIComponent(d) : `${d.slice(0, eq)}=${encodeURIComponent(d.slice(eq + 1))}`);
    } else if (arg === '-G' || arg === '--get') get = true;
    else if (arg === '-s' || arg === '-i' || arg === '-sS' || arg === '-N') continue;
    else if (arg.startsWith('-')) throw new Error(`curl option ${arg} is not known to this test: teach curlRequest it`);
    else url = arg;
  }
  if (url === undefined || !url.startsWith(DOCUMENTED_BASE)) throw new Error(`no ${DOCUMENTED_BASE} URL in: ${command}`);
  url = base + url.slice(DOCUMENTED_BASE.length);
  const body = [...data, ...encoded].join('&');
  if (get && body !== '') url += (url.includes('?') ? '&' : '?') + body;
  const hasBody = !get && body !== '';
  if (hasBody) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  return { url, init: { method: method ?? (hasBody ? 'POST' : 'GET'), headers, ...(hasBody ? { body } : {}) } };
}

const examples = examplesOf(README);

let gateway: RunningGateway;
beforeAll(async () => {
  // As `npm start` starts it: no source configured, so the two demo sources with defaultWriteSource 'hospital'.
  gateway = await startGateway({ argv: ['--host', '127.0.0.1', '--port', '0', '--log-level', 'silent'], env: {} });
  await gateway.app.whenReady();
  expect(gateway.config.defaultWriteSource).toBe('hospital');
});
afterAll(() => gateway?.stop());

describe('README', () => {
  it('has examples to run: GraphQL operations, some with documented errors and answers, and curl commands', () => {
    expect(examples.filter((e) => e.kind === 'graphql').length).toBeGreaterThanOrEqual(10);
    expect(examples.filter((e) => e.kind === 'curl').length).toBeGreaterThanOrEqual(6);
    const documented = examples.map((e) => e.expected).filter((e) => e !== undefined);
    const errors = documented.filter((e) => 'error' in e).map((e) => (e as { error: string }).error);
    expect(errors).toEqual(expect.arrayContaining(['SOURCE_REQUIRED', 'UPSTREAM_CONFLICT']));
    expect(documented.filter((e) => 'data' in e).length).toBeGreaterThanOrEqual(4);
  });

  for (const example of examples) {
    const title = `line ${example.line}: ${example.text.replace(/\s+/g, ' ').slice(0, 90)}`;
    if (example.kind === 'curl') {
      it(`runs ${title}`, async () => {
        const { url, init } = curlRequest(example.text, gateway.url);
        const res = await fetch(url, init);
        if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
          // a subscription: the stream opened; it would run until the reader stops it
          expect(res.status).toBe(200);
          await res.body!.cancel();
          return;
        }
        const text = await res.text();
        expect(res.status, text).toBeLessThan(400);
        const body = text === '' ? undefined : (JSON.parse(text) as { resourceType?: string; issue?: Array<{ severity: string }>; errors?: unknown });
        expect(body?.errors, text).toBeUndefined();
        if (body?.resourceType === 'OperationOutcome') expect(body.issue!.filter((i) => i.severity === 'error' || i.severity === 'fatal'), text).toEqual([]);
      });
      continue;
    }
    if (/^\s*subscription\b/.test(example.text)) {
      // A subscription runs with the write README shows after it (the next curl command that writes), and must get
      // that write's event.
      it(`runs ${title}`, async () => {
        const write = examples.slice(examples.indexOf(example) + 1).find((e) => e.kind === 'curl' && /-X\s+(POST|PUT|PATCH|DELETE)/.test(e.text));
        expect(write, 'README shows a write after the subscription').toBeDefined();
        const stream = await fetch(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ query: example.text }),
        });
        expect(stream.status).toBe(200);
        await new Promise((r) => setTimeout(r, 200));
        const { url, init } = curlRequest(write!.text, gateway.url);
        expect((await fetch(url, init)).status).toBeLessThan(300);
        const reader = stream.body!.getReader();
        const decoder = new TextDecoder();
        let text = '';
        const deadline = Date.now() + 10_000;
        while (!/event: next\ndata: .*\n\n/.test(text) && Date.now() < deadline) {
          const { value, done } = await Promise.race([reader.read(), new Promise<{ value: undefined; done: true }>((r) => setTimeout(() => r({ value: undefined, done: true }), deadline - Date.now()))]);
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
        await reader.cancel();
        const data = /event: next\ndata: (.*)\n\n/.exec(text)?.[1];
        expect(data, text).toBeDefined();
        const payload = JSON.parse(data!) as { data?: Record<string, { action?: string }>; errors?: unknown };
        expect(payload.errors, data).toBeUndefined();
        expect(Object.values(payload.data ?? {})[0]?.action, data).toMatch(/^(create|update|delete)$/);
      });
      continue;
    }
    it(`runs ${title}`, async () => {
      const res = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
        body: JSON.stringify({ query: example.text }),
      });
      const body = (await res.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
      const expected = example.expected;
      if (expected !== undefined && 'error' in expected) {
        expect(body.errors?.map((e) => e.extensions?.code), JSON.stringify(body)).toEqual([expected.error]);
        return;
      }
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      expect(res.status).toBe(200);
      if (expected !== undefined && 'data' in expected) {
        const values = Object.values(body.data ?? {});
        expect(values).toHaveLength(1);
        expect(values[0]).toEqual(expected.data);
      }
    });
  }
});
