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
import { generateKeyPairSync } from "node:crypto";
import { ed25519Signer, verifyChain, type AuditEvent } from "../../src/core/audit/audit-chain.ts";
import { checkpointAudit, pruneAudit, verifyAudit } from "../../src/app/verify-vault.ts";
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
        assert.deepEqual((await log.recent(3)).map((r) => r.seq), (await log.all()).slice(-3).map((r) => r.seq).reverse(), "the newest three, newest first");
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

    it("prunes records past retention up to a signed checkpoint, and still finds tampering after", async () => {
      const d = await adapter.open();
      try {
        const log = dbAuditLog(d.db);
        const { privateKey, publicKey } = generateKeyPairSync("ed25519");
        const auditKey = ed25519Signer("audit-test", privateKey, publicKey);
        let clock = "2017-03-01T00:00:00.000Z";
        const deps = { audit: log, auditKey, now: () => clock };
        const at = (year: number, i: number): AuditEvent => ({ ...event(i), time: `${year}-06-01T00:00:${String(i).padStart(2, "0")}.000Z` });
        for (let i = 0; i < 5; i++) await log.append(at(2017, i));
        await checkpointAudit(deps); // tree size 5
        for (let i = 5; i < 8; i++) await log.append(at(2018, i));
        clock = "2018-12-31T00:00:00.000Z";
        await checkpointAudit(deps); // tree size 8
        for (let i = 8; i < 10; i++) await log.append(at(2026, i));
        clock = "2026-11-23T12:00:00.000Z";

        const tooRecent = await pruneAudit({ before: "2024-01-01T00:00:00.000Z", retentionYears: 6, actor: "operator:test" }, deps, async () => assert.fail("nothing archived"));
        assert.equal(tooRecent.ok, false);
        assert.match(!tooRecent.ok ? tooRecent.reason : "", /kept at least 6 years/);

        const archived: number[] = [];
        const r = await pruneAudit({ before: "2019-01-01T00:00:00.000Z", retentionYears: 6, actor: "operator:test" }, deps, async (records) => {
          archived.push(...records.map((x) => x.seq));
        });
        assert.deepEqual(r, { ok: true, pruned: 8, through: 8 });
        assert.deepEqual(archived, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert.deepEqual((await log.all()).map((x) => x.seq), [9, 10, 11], "records 9, 10 and the prune's own record");
        assert.equal((await log.all()).at(-1)!.action, "audit.prune");
        assert.deepEqual(await log.start(), { seq: 8, hash: (await log.checkpoints()).find((c) => c.treeSize === 8)!.head });
        assert.equal((await verifyAudit(deps)).ok, true);
        await log.append(event(20));
        await checkpointAudit(deps);
        assert.equal((await verifyAudit(deps)).ok, true, "appends and checkpoints continue after a prune");

        await d.db.execute(sql`update audit_records set actor = 'user:intruder' where seq = 10`);
        const edited = await verifyAudit(deps);
        assert.equal(!edited.chain.ok && edited.chain.firstBad, 10);
        await d.db.execute(sql`update audit_records set actor = 'user:u1' where seq = 10`);
        assert.equal((await verifyAudit(deps)).ok, true);
        // Removing the anchor makes the stored chain start in the middle: found.
        await d.db.execute(sql`delete from audit_anchors`);
        const unanchored = await verifyAudit(deps);
        assert.equal(unanchored.ok, false);
        assert.equal(!unanchored.chain.ok && unanchored.chain.firstBad, 9);
      } finally {
        await d.close();
      }
    });
  });
}
