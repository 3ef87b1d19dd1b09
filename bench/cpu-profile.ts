// Summary of a V8 CPU profile (`node --cpu-prof`) over a time window: the top self-time functions and the share of
// busy CPU by owner. Samples are timed on V8's monotonic clock in µs, the same clock as process.hrtime.bigint() on
// Linux, so the harness passes the measured window's bounds (hrtime µs) and only samples inside it count; idle is
// excluded. "Owner" of a sample: GC, "(program)", JSON.parse / JSON.stringify and the socket-write natives are groups
// of their own; otherwise the nearest frame, from the sampled one up the stack, that belongs to a package
// (node_modules/<pkg>) or to this project (src/<folder>, src/http's use-*.ts plugins apart), so that node internals
// and natives count for whoever called them. JSON.parse and JSON.stringify are C++ builtins that V8 counts as self
// time of the calling JS function; where the caller's source line (from the profile's per-line ticks and the script
// file) calls JSON.parse( or JSON.stringify( (or yoga's `stringifier(`), that share of its self time goes to "JSON.parse"/"JSON.stringify"
// (the function keeps it in the top list, with its hottest line shown). Also usable on its own:
//   node bench/cpu-profile.ts <file.cpuprofile> [queries] [fromUs toUs]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[]; positionTicks?: Array<{ line: number; ticks: number }> }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface ProfileLine {
  readonly name: string;
  readonly us: number;
}

export interface ProfileSummary {
  /** Busy (non-idle) sampled time in the window, µs. */
  readonly busyUs: number;
  readonly windowUs: number;
  readonly samples: number;
  readonly topSelf: readonly ProfileLine[];
  readonly byOwner: readonly ProfileLine[];
  readonly byBucket: readonly ProfileLine[];
}

const SOCKET_WRITES = new Set(['writev', 'writeUtf8String', 'writeLatin1String', 'writeBuffer', 'writeAsciiString', 'writeUcs2String']);

/** Short location of a script URL: the part from node_modules/ (last one) or src/ or bench/; node: URLs as they are. */
function shortUrl(url: string): string {
  if (url === '') return '';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const m = /\/((?:src|bench|test)\/.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, '');
}

/** The owner of a frame with a URL, or undefined for node internals and natives (owner: the caller). */
function ownerOfUrl(url: string): string | undefined {
  if (url.startsWith('wasm://')) return 'undici (llhttp wasm)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const m = /\/src\/([^/]+)(?:\/([^/]+))?/.exec(url);
  if (m) {
    const folder = m[1]!;
    if (folder.endsWith('.ts')) return `src/${folder}`;
    if (folder === 'http' && m[2]?.startsWith('use-')) return 'src/http use-*.ts (plugins)';
    return `src/${folder}`;
  }
  if (/\/bench\//.test(url)) return 'bench';
  return undefined;
}

/** The requested buckets: which owner counts where. */
function bucketOf(owner: string): string {
  if (owner === '(garbage collector)') return 'GC';
  if (owner === 'JSON.parse' || owner === 'JSON.stringify') return 'JSON parse / stringify';
  if (owner === 'graphql' || owner.startsWith('@graphql-tools/')) return 'GraphQL execution (graphql-js, @graphql-tools)';
  if (owner === 'src/graphql') return 'our resolvers and directives (src/graphql)';
  if (owner === 'src/http use-*.ts (plugins)' || owner === 'src/http' || owner === 'graphql-yoga' || owner.startsWith('@envelop/') || owner.startsWith('@whatwg-node/') || owner.startsWith('@graphql-yoga/'))
    return 'pipeline: yoga, envelop, whatwg-node, src/http and its plugins';
  if (owner.startsWith('undici')) return 'undici (upstream client)';
  if (owner === 'socket writes') return 'socket writes (natives)';
  if (owner === 'src/fhir' || owner === 'src/loaders' || owner === 'src/sources' || owner === 'src/upstream' || owner === 'dataloader')
    return 'FHIR core, loaders, sources, src/upstream, dataloader';
  if (owner === '(program)') return '(program)';
  if (owner === 'node internals') return 'node internals (no library caller)';
  return 'other';
}

const files = new Map<string, string[]>();
/** Line `line` (1-based) of a file: URL's script, '' when it cannot be read. */
function sourceLine(url: string, line: number): string {
  if (!url.startsWith('file://')) return '';
  let lines = files.get(url);
  if (!lines) {
    try {
      lines = readFileSync(fileURLToPath(url), 'utf8').split('\n');
    } catch {
      lines = [];
    }
    files.set(url, lines);
  }
  return lines[line - 1] ?? '';
}

export function summariseProfile(profile: CpuProfile, window?: { fromUs: number; toUs: number }, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ownerCache = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const cached = ownerCache.get(id);
    if (cached !== undefined) return cached;
    const leaf = byId.get(id)!.callFrame;
    let owner: string | undefined;
    if (leaf.functionName === '(garbage collector)' || leaf.functionName === '(program)') owner = leaf.functionName;
    else if (leaf.url === '' && (leaf.functionName === 'parse' || leaf.functionName === 'stringify')) owner = `JSON.${leaf.functionName}`;
    else if (leaf.url === '' && SOCKET_WRITES.has(leaf.functionName)) owner = 'socket writes';
    for (let cur: number | undefined = id; owner === undefined && cur !== undefined; cur = parent.get(cur)) owner = ownerOfUrl(byId.get(cur)!.callFrame.url);
    owner ??= 'node internals';
    ownerCache.set(id, owner);
    return owner;
  };

  // Self time per node inside the window (idle excluded).
  const nodeUs = new Map<number, number>();
  let busy = 0;
  let count = 0;
  let t = profile.startTime;
  const times = profile.samples.map((_, i) => (t += profile.timeDeltas[i] ?? 0));
  const from = window?.fromUs ?? -Infinity;
  const to = window?.toUs ?? Infinity;
  for (let i = 0; i < profile.samples.length; i++) {
    const at = times[i]!;
    if (at < from || at > to) continue;
    const id = profile.samples[i]!;
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const dur = Math.max(0, (times[i + 1] ?? profile.endTime) - at);
    busy += dur;
    count++;
    nodeUs.set(id, (nodeUs.get(id) ?? 0) + dur);
  }
  const self = new Map<string, number>();
  const hotLines = new Map<string, Map<number, number>>();
  const owners = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us);
  for (const [id, us] of nodeUs) {
    const node = byId.get(id)!;
    const frame = node.callFrame;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '(native)'}`;
    add(self, key, us);
    const ticks = node.positionTicks ?? [];
    const total = ticks.reduce((n, p) => n + p.ticks, 0);
    let json = 0;
    if (total > 0) {
      const lines = hotLines.get(key) ?? new Map<number, number>();
      hotLines.set(key, lines);
      for (const p of ticks) {
        const part = (us * p.ticks) / total;
        lines.set(p.line, (lines.get(p.line) ?? 0) + part);
        const text = sourceLine(frame.url, p.line);
        // graphql-yoga's result stringifier calls JSON.stringify through a variable (`stringifier(result)`).
        const call = /JSON\.(parse|stringify)\(/.exec(text)?.[1] ?? (/\bstringifier\(/.test(text) ? 'stringify' : undefined);
        if (call) {
          add(owners, `JSON.${call}`, part);
          json += part;
        }
      }
    }
    add(owners, ownerOf(id), us - json);
  }
  const withHotLine = (name: string, us: number) => {
    const lines = [...(hotLines.get(name) ?? [])].sort((a, b) => b[1] - a[1]);
    const hot = lines[0];
    return { name: hot && lines.length > 1 && hot[1] < us * 0.995 ? `${name} (hottest line ${hot[0]}: ${Math.round((100 * hot[1]) / us)} %)` : name, us };
  };
  const sorted = (m: Map<string, number>) => [...m].map(([name, us]) => ({ name, us })).sort((a, b) => b.us - a.us);
  const buckets = new Map<string, number>();
  for (const [owner, us] of owners) buckets.set(bucketOf(owner), (buckets.get(bucketOf(owner)) ?? 0) + us);
  const windowUs = Math.min(to, profile.endTime) - Math.max(from, profile.startTime);
  return { busyUs: busy, windowUs, samples: count, topSelf: sorted(self).slice(0, top).map((l) => withHotLine(l.name, l.us)), byOwner: sorted(owners), byBucket: sorted(buckets) };
}

/** Markdown tables: µs per query (when `queries` > 0) and share of busy CPU. */
export function profileTables(s: ProfileSummary, queries: number): string {
  const cell = (us: number) => `${queries > 0 ? `${(us / queries).toFixed(1)} µs` : `${(us / 1000).toFixed(1)} ms`} (${((100 * us) / Math.max(1, s.busyUs)).toFixed(1)} %)`;
  const unit = queries > 0 ? 'per query' : 'total';
  return [
    `Busy CPU in the window: ${(s.busyUs / 1000).toFixed(0)} ms of ${(s.windowUs / 1000).toFixed(0)} ms (${s.samples} samples)` +
      (queries > 0 ? `, ${queries} queries: ${(s.busyUs / queries / 1000).toFixed(2)} ms per query.` : '.'),
    '',
    `| bucket | self time ${unit} (% of busy) |`,
    '|---|---:|',
    ...s.byBucket.map((l) => `| ${l.name} | ${cell(l.us)} |`),
    '',
    `| owner (self time, natives counted for their caller) | ${unit} (% of busy) |`,
    '|---|---:|',
    ...s.byOwner.slice(0, 20).map((l) => `| ${l.name} | ${cell(l.us)} |`),
    '',
    `| # | function (self time) | ${unit} (% of busy) |`,
    '|---:|---|---:|',
    ...s.topSelf.map((l, i) => `| ${i + 1} | \`${l.name}\` | ${cell(l.us)} |`),
  ].join('\n');
}

export const readProfile = (path: string): CpuProfile => JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;

if (import.meta.main) {
  const [file, queries, from, to] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/cpu-profile.ts <file.cpuprofile> [queries] [fromUs toUs]\n');
    process.exit(2);
  }
  const window = from && to ? { fromUs: Number(from), toUs: Number(to) } : undefined;
  process.stdout.write(profileTables(summariseProfile(readProfile(file), window), Number(queries ?? 0)) + '\n');
}
