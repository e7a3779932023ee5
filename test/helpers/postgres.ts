/**
 * @module test/helpers/postgres
 * The PostgreSQL server the tests use (127.0.0.1:5432, trust auth, database `test`): whether it is
 * reachable (required under CI), and scratch schemas — one per test setup — dropped when the file ends.
 */
import { randomBytes } from "node:crypto";
import { after } from "node:test";
import pg from "pg";

export const PG_URL = "postgres://postgres@127.0.0.1:5432/test";

export async function postgresReachable(url = PG_URL): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** Reachability for a test file: under CI a missing server is an error, elsewhere a reason to skip. */
export async function havePostgres(): Promise<boolean> {
  const have = await postgresReachable();
  if (!have && process.env["CI"]) throw new Error("CI: PostgreSQL on 127.0.0.1:5432 is required");
  return have;
}

export const NO_POSTGRES = "no PostgreSQL on 127.0.0.1:5432";

export async function dropSchemas(names: readonly string[], url = PG_URL): Promise<void> {
  if (names.length === 0) return;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (const s of names) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await c.end();
}

/** New schema names for this file's setups; all of them are dropped after the file's tests. */
export function scratchSchemas(prefix: string): () => string {
  const made: string[] = [];
  after(async () => {
    if (made.length > 0 && (await postgresReachable())) await dropSchemas(made);
  });
  return () => {
    const name = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
    made.push(name);
    return name;
  };
}

/** A plain client with the schema on its search path, for tampering in tests. */
export async function withSchemaClient<T>(schema: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}
