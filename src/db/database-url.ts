/**
 * The database URL: which dialect, and where. Messages never quote a password: they name the scheme, or the URL with
 * its password replaced by `***` (`redactUrl`).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type DatabaseTarget =
  | {
    readonly dialect: 'postgres';
    /** What pg connects with: the URL without its `schema` parameter. A secret (it may hold a password). */
    readonly connectionString: string;
    /** `?schema=name`: the PostgreSQL schema that holds the tables; undefined = the server's search_path. */
    readonly schema: string | undefined;
    /** The URL with its password replaced by `***` (wherever else it appears, too), for messages and logs. */
    readonly redacted: string;
    /** The password as written and decoded (none when there is no password), to scrub from any message: `scrub`. */
    readonly secrets: readonly string[];
  }
  | {
    readonly dialect: 'sqlite';
    /** An absolute file path, or ':memory:'. */
    readonly path: string;
  };

export const ACCEPTED_FORMS = 'postgres://user@host:port/database (or postgresql://…; add ?schema=name to use a schema of its own), '
  + 'sqlite:PATH, file:PATH, a plain file path, or :memory: (SQLite in memory)';

/** A PostgreSQL schema name we can quote safely everywhere. */
export const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(`invalid database URL: ${message}`);
    this.name = 'DatabaseUrlError';
  }
}

/** Parses `url`; a relative SQLite path resolves against `cwd`. Throws DatabaseUrlError. */
export function parseDatabaseUrl(url: string, cwd: string = process.cwd()): DatabaseTarget {
  if (url.trim() === '') throw new DatabaseUrlError(`it is empty; expected ${ACCEPTED_FORMS}`);
  if (url.trim() !== url) throw new DatabaseUrlError('it starts or ends with white space');
  if (/[\0-\x1f\x7f]/.test(url)) throw new DatabaseUrlError('it contains a control character');
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return parsePostgres(url);
  if (scheme === 'sqlite' || scheme === 'file') return { dialect: 'sqlite', path: sqlitePath(url, scheme, cwd) };
  if (scheme !== undefined) throw new DatabaseUrlError(`unsupported scheme "${scheme}:"; expected ${ACCEPTED_FORMS}`);
  return { dialect: 'sqlite', path: url === ':memory:' ? url : resolve(cwd, url) };
}

function parsePostgres(url: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The TypeError of URL carries the input: not passed on.
    throw new DatabaseUrlError('the postgres URL cannot be parsed; expected postgres://user:password@host:port/database');
  }
  if (!parsed.href.startsWith(`${parsed.protocol}//`)) {
    throw new DatabaseUrlError('expected postgres://user:password@host:port/database (with //)');
  }
  const schemas = parsed.searchParams.getAll('schema');
  if (schemas.length > 1) throw new DatabaseUrlError('?schema= is given more than once');
  const schema = schemas[0];
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new DatabaseUrlError('?schema= must be a name of letters, digits and _ (not starting with a digit), at most 63 characters');
  }
  let connectionString = url;
  if (schema !== undefined) {
    const withoutSchema = new URL(url);
    withoutSchema.searchParams.delete('schema');
    connectionString = withoutSchema.href;
  }
  const secrets = [...new Set([parsed.password, decodedPassword(parsed)])].filter((s) => s !== '');
  return { dialect: 'postgres', connectionString, schema, redacted: scrub(redactUrl(url), secrets), secrets };
}

/** `sqlite:PATH`, `file:PATH`, and the standard `file:///absolute/path`. */
function sqlitePath(url: string, scheme: 'sqlite' | 'file', cwd: string): string {
  const rest = url.slice(scheme.length + 1);
  if (rest.startsWith('//')) {
    if (scheme === 'sqlite') {
      throw new DatabaseUrlError('write sqlite:/absolute/path.db or sqlite:relative/path.db (sqlite: takes a path, without //)');
    }
    try {
      return fileURLToPath(`file:${rest}`);
    } catch {
      throw new DatabaseUrlError('a file:// URL must name a local file: file:///absolute/path.db (no host)');
    }
  }
  if (rest === '') throw new DatabaseUrlError(`${scheme}: needs a path, e.g. ${scheme}:./.gateway/gateway.db or ${scheme}::memory:`);
  return rest === ':memory:' ? rest : resolve(cwd, rest);
}

/** The URL with its password replaced by `***` (unchanged when it has none, or does not parse: then only its scheme). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.href;
  } catch {
    const scheme = SCHEME.exec(url)?.[1];
    return scheme === undefined ? '(unparsable URL)' : `${scheme}://…`;
  }
}

/** `text` with every occurrence of each secret replaced by `***`. */
export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

function decodedPassword(parsed: URL): string {
  try {
    return decodeURIComponent(parsed.password);
  } catch {
    return parsed.password;
  }
}
