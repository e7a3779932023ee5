/**
 * @module adapters/db/open-database
 * Opens the database named by a URL — `embedded:<dir>` (PGlite, the default, nothing to install) or
 * `postgres://…` (a PostgreSQL server) — and applies the versioned migrations before anything else runs.
 * The same drizzle schema and the same SQL serve both. An unreachable server is a clear error at start.
 * The embedded database runs in a worker thread of its own (pglite-thread) and, on disk, commits durably
 * (durable-pglite); `embedded:memory` is for tests.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import { PgliteThread } from "./pglite-thread.ts";
import * as schema from "./schema.ts";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  readonly db: Db;
  readonly kind: "embedded" | "postgres";
  close(): Promise<void>;
}

const MIGRATIONS = fileURLToPath(new URL("./migrations", import.meta.url));

export interface OpenOptions {
  /** PostgreSQL only: a schema to live in (created if missing), e.g. one per test run. */
  readonly schemaName?: string;
  /** Pool size for a PostgreSQL server. */
  readonly maxConnections?: number;
}

/**
 * The embedded database, run in its own thread (pglite-thread): durable in `dir`, in memory for
 * `""` or `memory`. The thread is returned too, for tests that look at what it did on the disk.
 */
export async function openEmbeddedDatabase(dir: string): Promise<Database & { readonly thread: PgliteThread }> {
  const inMemory = dir === "" || dir === "memory";
  if (!inMemory) mkdirSync(dir, { recursive: true, mode: 0o700 });
  let thread: PgliteThread;
  try {
    thread = await PgliteThread.open(inMemory ? undefined : dir);
  } catch (cause) {
    throw new RayvaultError(ErrorCode.DatabaseUnavailable, "the embedded database could not be opened", { cause });
  }
  const db = drizzlePglite(thread.asClient(), { schema }) as unknown as Db;
  try {
    await migratePglite(db as never, { migrationsFolder: MIGRATIONS });
  } catch (cause) {
    await thread.close().catch(() => undefined);
    throw new RayvaultError(ErrorCode.DatabaseUnavailable, "the embedded database could not be migrated", { cause });
  }
  return { db, kind: "embedded", thread, close: () => thread.close() };
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  if (url.startsWith("embedded:")) return openEmbeddedDatabase(url.slice("embedded:".length));
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const schemaName = options.schemaName;
    if (schemaName !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schemaName)) throw new RayvaultError(ErrorCode.UsageInvalid, "invalid schema name");
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      ...(schemaName ? { options: `-c search_path=${schemaName}` } : {}),
    });
    try {
      const c = await pool.connect();
      try {
        if (schemaName) await c.query(`CREATE SCHEMA IF NOT EXISTS ${schemaName}`);
      } finally {
        c.release();
      }
    } catch (cause) {
      await pool.end().catch(() => undefined);
      throw new RayvaultError(ErrorCode.DatabaseUnavailable, "cannot reach the PostgreSQL server named by RAYVAULT_DATABASE_URL", { cause });
    }
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    try {
      await migratePg(db as never, { migrationsFolder: MIGRATIONS, ...(schemaName ? { migrationsSchema: schemaName } : {}) });
    } catch (cause) {
      await pool.end().catch(() => undefined);
      throw new RayvaultError(ErrorCode.DatabaseUnavailable, "the PostgreSQL database could not be migrated", { cause });
    }
    return { db, kind: "postgres", close: () => pool.end() };
  }
  throw new RayvaultError(ErrorCode.UsageInvalid, "database URL must be embedded:<dir> or postgres://…");
}
