/**
 * `storage` (the gateway's own database URL; DATABASE_URL and --database-url override the file's) and `audit` (config
 * file only). A database URL may hold a password: no message here quotes the URL, only its scheme or a part of it that
 * cannot be secret. src/db/database-url.ts parses the same forms when the database is opened.
 */
import type { AuditConfig, StorageConfig } from './config.types.ts';
import type { Report } from './checks.ts';
import type { PathReport } from './json-path.ts';
import { got, quote, typeName } from './checks.ts';
import { AUDIT_DURABILITIES } from './defaults.ts';
import { at, checkKeys, checkObject, joinPath } from './json-path.ts';

export const STORAGE_KEYS = ['url'] as const satisfies readonly (keyof StorageConfig)[];
export const AUDIT_KEYS = ['durability'] as const satisfies readonly (keyof AuditConfig)[];

const FORMS = 'postgres://user:password@host:port/database (or postgresql://…, with ?schema=name for a schema of its own), '
  + 'sqlite:PATH, file:PATH, a file path, or :memory:';
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
/** A PostgreSQL schema name the gateway quotes safely everywhere. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A database URL (returned as given). */
export function checkDatabaseUrl(value: unknown, report: Report): string | undefined {
  if (typeof value !== 'string' || value === '') {
    report(`must be a database URL: ${FORMS} (${typeof value === 'string' ? 'got an empty string' : `got ${typeName(value)}`})`);
    return undefined;
  }
  const problem = databaseUrlProblem(value);
  if (problem !== undefined) {
    report(problem);
    return undefined;
  }
  return value;
}

function databaseUrlProblem(value: string): string | undefined {
  if (value.trim() !== value) return 'must not start or end with white space';
  if (/[\0-\x1f\x7f]/.test(value)) return 'must not contain control characters';
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return undefined; // a file path, or :memory:
  if (scheme === 'postgres' || scheme === 'postgresql') return postgresProblem(value);
  const rest = value.slice(scheme.length + 1);
  if (scheme === 'sqlite' || scheme === 'file') {
    if (rest === '') return `needs a path after ${scheme}:, e.g. ${scheme}:./.gateway/gateway.db or ${scheme}::memory:`;
    if (scheme === 'sqlite' && rest.startsWith('//')) {
      return 'must be sqlite:/absolute/path.db or sqlite:relative/path.db (sqlite: takes a path, without //)';
    }
    if (scheme === 'file' && rest.startsWith('//') && !/^\/\/(?:localhost)?\//i.test(rest)) {
      return 'must name a local file: file:///absolute/path.db (a file:// URL with no host)';
    }
    return undefined;
  }
  return `has the unsupported scheme ${quote(`${scheme}:`, 20)}: expected ${FORMS}`;
}

function postgresProblem(value: string): string | undefined {
  const hint = 'expected postgres://user:password@host:port/database';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `is not a valid PostgreSQL URL (${hint})`;
  }
  if (!url.href.startsWith(`${url.protocol}//`)) return `is not a valid PostgreSQL URL: ${hint} (with //)`;
  const schemas = url.searchParams.getAll('schema');
  if (schemas.length > 1) return 'must give ?schema= at most once';
  const schema = schemas[0];
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    return `?schema= must be a name of letters, digits and _, not starting with a digit, at most 63 characters (got ${quote(schema, 63)})`;
  }
  return undefined;
}

/** The file's `storage` section: its checked url, when it has a valid one. */
export function readFileStorage(value: unknown, path: string, report: PathReport): Partial<StorageConfig> {
  if (!checkObject(value, path, report)) return {};
  checkKeys(value, STORAGE_KEYS, path, report);
  if (value.url === undefined) return {};
  const url = checkDatabaseUrl(value.url, at(report, joinPath(path, 'url')));
  return url === undefined ? {} : { url };
}

/** The file's `audit` section: its checked keys. */
export function readFileAudit(value: unknown, path: string, report: PathReport): Partial<AuditConfig> {
  if (!checkObject(value, path, report)) return {};
  checkKeys(value, AUDIT_KEYS, path, report);
  if (value.durability === undefined) return {};
  const durability = AUDIT_DURABILITIES.find((d) => d === value.durability);
  if (durability === undefined) {
    report(joinPath(path, 'durability'), `must be one of ${AUDIT_DURABILITIES.map((d) => JSON.stringify(d)).join(', ')} (${got(value.durability)})`);
    return {};
  }
  return { durability };
}
