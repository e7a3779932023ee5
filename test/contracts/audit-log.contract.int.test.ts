/**
 * Contract for the AuditLog on every database adapter: the embedded PGlite default and a real PostgreSQL
 * server (127.0.0.1:5432, database `test`, trust auth; a schema of its own per run). Edits, deletions,
 * insertions and reorderings made directly in SQL are found at the right record; 32 concurrent writers
 * form one unbroken chain.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sql } from "drizzle-orm";
import { verifyChain, type AuditEvent } from "../../src/core/audit/audit-chain.ts";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";
import { dbAuditLog } from "../../src/adapters/db/db-audit-log.ts";
import { tempDir } from "../helpers/run-cli.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas } from "../helpers/postgres.ts";

const havePg = await havePostgres();
const newSchema = scratchSchemas("rv_test");

const adapters: Record<string, { skip: string | false; open: () => Promise<Database> }> = {
  embedded: { skip: false, open: () => openDatabase(`embedded:${join(tempDir("pglite"), "db")}`) },
  postgres: {
    skip: havePg ? false : NO_POSTGRES,
    open: () => openDatabase(PG_URL, { schemaName: newSchema(), maxConnections: 8 }),
  },
};

const event = (i: number): AuditEvent => ({ time: `2026-11-23T10:00:00.${String(i).padStart(3, "0")}Z`, actor: "user:u1", action: "study.view", objects: [`study:s${i}`], purpose: "treatment", outcome: "success" });

for (const [name, adapter] of Object.entries(adapters)) {
  describe(`AuditLog contract: ${name}`, { skip: adapter.skip }, () => {
    it("chains appends and verifies", async () => {
      const d = await adapter.open();
      try {
        const log = dbAuditLog(d.db);
        for (let i = 0; i < 10; i++) await log.append(event(i));
        const v = verifyChain(await log.all());
        assert.equal(v.ok && v.count, 10);
      } finally {
        await d.close();
      }
    });

    it("finds rows edited or deleted in SQL, at the first bad record", async () => {
      const d = await adapter.open();
      try {
        const log = dbAuditLog(d.db);
        for (let i = 0; i < 12; i++) await log.append(event(i));
        const firstBad = async (): Promise<number | undefined> => {
          const v = verifyChain(await log.all());
          return v.ok ? undefined : v.firstBad;
        };
        await d.db.execute(sql`update audit_records set actor = 'user:intruder' where seq = 9`);
        assert.equal(await firstBad(), 9);
        await d.db.execute(sql`update audit_records set purpose = 'personal' where seq = 5`);
        assert.equal(await firstBad(), 5);
        await d.db.execute(sql`update audit_records set purpose = 'treatment' where seq = 5`);
        await d.db.execute(sql`delete from audit_records where seq = 3`);
        assert.equal(await firstBad(), 4);
      } finally {
        await d.close();
      }
    });

    it("finds inserted and reordered rows", async () => {
      const d = await adapter.open();
      try {
        const log = dbAuditLog(d.db);
        for (let i = 0; i < 6; i++) await log.append(event(i));
        // A forged row appended by hand: a copy of record 6 under the next number.
        await d.db.execute(sql`insert into audit_records select 7, time, actor, action, objects, purpose, outcome, prev_hash, hash from audit_records where seq = 6`);
        const forged = verifyChain(await log.all());
        assert.equal(!forged.ok && forged.firstBad, 7);
        await d.db.execute(sql`delete from audit_records where seq = 7`);
        // Swap the contents of records 2 and 3 while keeping their sequence numbers.
        await d.db.execute(sql`update audit_records set seq = -2 where seq = 2`);
        await d.db.execute(sql`update audit_records set seq = 2 where seq = 3`);
        await d.db.execute(sql`update audit_records set seq = 3 where seq = -2`);
        const v = verifyChain(await log.all());
        assert.equal(!v.ok && v.firstBad, 2);
      } finally {
        await d.close();
      }
    });

    it("keeps one unbroken chain under 32 concurrent writers", async () => {
      const d = await adapter.open();
      try {
        const log = dbAuditLog(d.db);
        await Promise.all(Array.from({ length: 32 }, (_, i) => log.append(event(i))));
        const v = verifyChain(await log.all());
        assert.equal(v.ok && v.count, 32);
      } finally {
        await d.close();
      }
    });
  });
}
