/**
 * pg's connection pool, built from its parts: pg-pool with pg's Client, and a type-parser table of the pool's own.
 *
 * Why not `new Pool()` from 'pg': pg's main module `require()`s pg-pool, and in a process started with
 * `--conditions import` that require() resolves to pg-pool's ESM wrapper, whose module namespace is no class, so
 * loading 'pg' at all fails ("Class extends value [object Module] is not a constructor"). vitest starts its workers
 * so (it passes `ssr.resolve.conditions` of vitest.config.ts to Node). Built here, the pool works under both; should
 * that condition go, this file can become `new Pool(config)` from 'pg'.
 */
import PgPool from 'pg-pool';
import PgClient from 'pg/lib/client';
import TypeOverrides from 'pg/lib/type-overrides';
import type { Pool, PoolConfig } from 'pg';

export { PgClient };

/** PostgreSQL's OID of int8 (bigint), which pg returns as a string by default. */
const INT8_OID = 20;

/**
 * A pool whose clients read bigint (int8) as a number, the same as SQLite's integers; a value beyond 2^53, which
 * none of our columns holds, stays exact as a bigint. Per pool: pg's global parsers are left alone.
 */
export function createPgPool(config: Omit<PoolConfig, 'Client' | 'types'>): Pool {
  const types = new TypeOverrides();
  types.setTypeParser(INT8_OID, (value: string) => {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : BigInt(value);
  });
  return new PgPool({ ...config, types, Client: PgClient });
}

/** A PostgreSQL identifier, double-quoted (pg's escapeIdentifier). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
