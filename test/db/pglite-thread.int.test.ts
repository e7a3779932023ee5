/**
 * The embedded database in its worker thread (adapters/db/pglite-thread) keeps PGlite's semantics across
 * the thread boundary: transactions commit, roll back on an error or on request, and hold the database
 * (a query outside waits for them); drizzle's nested transactions (savepoints) work; values come back
 * with their types (bytea, jsonb, int8, timestamps as PostgreSQL's text); errors carry PostgreSQL's
 * code and constraint but no value of the row; options that cannot cross threads are refused; a
 * database that cannot be opened is RV_DATABASE_UNAVAILABLE.
 */
import assert from "node:assert/strict";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { ErrorCode } from "../../src/core/errors.ts";
import { openEmbeddedDatabase } from "../../src/adapters/db/open-database.ts";
import { PgliteThread } from "../../src/adapters/db/pglite-thread.ts";
import { tempDir } from "../helpers/run-cli.ts";

describe("PGlite in a worker thread", () => {
  let thread: PgliteThread;
  before(async () => {
    thread = await PgliteThread.open(undefined);
    await thread.asClient().query("create table t (id serial primary key, name text unique, n int8, data bytea, doc jsonb, at timestamptz)");
  });
  after(() => thread.close());

  const count = async (): Promise<number> => Number((await thread.asClient().query<{ c: string }>("select count(*)::int8 as c from t")).rows[0]!.c);

  it("commits a transaction, and rolls one back on an error or on request", async () => {
    const pg = thread.asClient();
    await pg.query("delete from t");
    await pg.transaction(async (tx) => {
      await tx.query("insert into t (name) values ($1)", ["committed"]);
    });
    await assert.rejects(
      pg.transaction(async (tx) => {
        await tx.query("insert into t (name) values ($1)", ["thrown"]);
        throw new Error("the caller gives up");
      }),
      /the caller gives up/,
    );
    await pg.transaction(async (tx) => {
      await tx.query("insert into t (name) values ($1)", ["rolled back"]);
      await tx.rollback();
      assert.equal(tx.closed, true);
      await assert.rejects(tx.query("select 1"), (e: unknown) => (e as { code?: string }).code === ErrorCode.UsageInvalid);
    });
    const names = (await pg.query<{ name: string }>("select name from t order by id")).rows.map((r) => r.name);
    assert.deepEqual(names, ["committed"]);
  });

  it("holds the database during a transaction: a query outside waits for the commit", async () => {
    const pg = thread.asClient();
    await pg.query("delete from t");
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let began!: () => void;
    const begun = new Promise<void>((resolve) => (began = resolve));
    const tx = pg.transaction(async (t) => {
      await t.query("insert into t (name) values ($1)", ["inside"]);
      began();
      await held;
      await t.query("insert into t (name) values ($1)", ["inside, later"]);
    });
    await begun;
    let outsideDone = false;
    const outside = count().then((n) => {
      outsideDone = true;
      return n;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(outsideDone, false, "the outside query ran while the transaction held the database");
    release();
    await tx;
    assert.equal(await outside, 2);
  });

  it("runs drizzle, with a nested transaction rolled back to its savepoint", async () => {
    const pg = thread.asClient();
    await pg.query("delete from t");
    const db = drizzle(pg);
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into t (name) values (${"outer"})`);
      await assert.rejects(
        tx.transaction(async (inner) => {
          await inner.execute(sql`insert into t (name) values (${"inner"})`);
          throw new Error("inner fails");
        }),
        /inner fails/,
      );
    });
    const rows = (await db.execute<{ name: string }>(sql`select name from t`)).rows;
    assert.deepEqual(rows.map((r) => r.name), ["outer"]);
  });

  it("brings values back with their types", async () => {
    const pg = thread.asClient();
    await pg.query("delete from t");
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await pg.query("insert into t (name, n, data, doc, at) values ($1, $2, $3, $4, $5)", ["typed", 9007199254740993n, bytes, JSON.stringify({ a: [1, "x"] }), "2026-11-26T10:00:00Z"]);
    const row = (await pg.query<{ n: bigint; data: Uint8Array; doc: unknown; at: unknown }>("select n, data, doc, at from t")).rows[0]!;
    assert.equal(row.n, 9007199254740993n);
    assert.deepEqual([...row.data], [...bytes]);
    assert.deepEqual(row.doc, { a: [1, "x"] });
    assert.ok(row.at instanceof Date && row.at.toISOString() === "2026-11-26T10:00:00.000Z");
    // drizzle asks for timestamps as PostgreSQL's text: a parser that keeps the text crosses the thread.
    const text = await pg.query<unknown[]>("select at from t", [], { rowMode: "array", parsers: { 1184: (v: string) => v } });
    assert.equal(text.rows[0]![0], "2026-11-26 10:00:00+00");
  });

  it("returns PostgreSQL's code and constraint without the row's values, and refuses options it cannot carry", async () => {
    const pg = thread.asClient();
    await pg.query("delete from t");
    const secret = "DOE^JANE 1970-01-01";
    await pg.query("insert into t (name) values ($1)", [secret]);
    const error = await pg.query("insert into t (name) values ($1)", [secret]).then(
      () => assert.fail("a duplicate was inserted"),
      (e: unknown) => e as Error & Record<string, unknown>,
    );
    assert.equal(error.code, "23505");
    assert.equal(error.constraint, "t_name_key");
    const everything = JSON.stringify({ fields: Object.fromEntries(Object.entries(error)), message: error.message, stack: error.stack });
    assert.doesNotMatch(everything, /DOE|1970/);
    await assert.rejects(pg.query("select 1", [], { parsers: { 25: (v: string) => v.toUpperCase() } }), (e: unknown) => (e as { code?: string }).code === ErrorCode.UsageInvalid);
    await assert.rejects(pg.query("select 1", [], { paramTypes: [25] }), (e: unknown) => (e as { code?: string }).code === ErrorCode.UsageInvalid);
  });
});

describe("opening the embedded database", () => {
  it("reports a folder PostgreSQL cannot start from as RV_DATABASE_UNAVAILABLE", async () => {
    const dir = join(tempDir("pglite-bad"), "db");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "PG_VERSION"), "7\n");
    await assert.rejects(openEmbeddedDatabase(dir), (e: unknown) => (e as { code?: string }).code === ErrorCode.DatabaseUnavailable);
  });

  it("keeps what was committed across a close and a reopen", async () => {
    const dir = join(tempDir("pglite-reopen"), "db");
    const first = await openEmbeddedDatabase(dir);
    await first.db.execute(sql`create table kept (v text)`);
    await first.db.execute(sql`insert into kept values (${"still here"})`);
    await first.close();
    const second = await openEmbeddedDatabase(dir);
    try {
      const result: unknown = await second.db.execute(sql`select v from kept`);
      assert.deepEqual((result as { rows: Array<{ v: string }> }).rows.map((r) => r.v), ["still here"]);
    } finally {
      await second.close();
    }
  });
});
