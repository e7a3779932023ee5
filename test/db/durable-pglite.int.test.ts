/**
 * The embedded database commits durably: PostgreSQL inside PGlite runs with fsync on and flushes its WAL
 * with fsync(2) on the host file, once per commit (PGlite's defaults run with fsync off).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { sql } from "drizzle-orm";
import { openEmbeddedDatabase } from "../../src/adapters/db/open-database.ts";
import { dbAuditLog } from "../../src/adapters/db/db-audit-log.ts";
import { tempDir } from "../helpers/run-cli.ts";

it("an embedded commit reaches the disk through the host's fsync", async () => {
  const d = await openEmbeddedDatabase(join(tempDir("durable"), "db"));
  try {
    const setting = async (name: string): Promise<unknown> => {
      const result: unknown = await d.db.execute(sql.raw(`show ${name}`));
      return (result as { rows: Array<Record<string, unknown>> }).rows[0]?.[name];
    };
    assert.equal(await setting("fsync"), "on");
    assert.equal(await setting("wal_sync_method"), "fsync");
    const log = dbAuditLog(d.db);
    const before = await d.thread.hostFsyncs();
    for (let i = 0; i < 5; i++) await log.append({ time: new Date().toISOString(), actor: "user:u1", action: "study.view", objects: [`study:${i}`], purpose: "treatment", outcome: "success" });
    const made = (await d.thread.hostFsyncs()) - before;
    assert.ok(made >= 5, `5 sequential commits made ${made} host fsyncs`);
  } finally {
    await d.close();
  }
});
