/**
 * Contract for the CareTeam on both databases (embedded PGlite and PostgreSQL on 127.0.0.1:5432): a
 * relationship counts only between its start and its planned end and until it is ended, only for its own
 * user and patient, and every change commits with its audit record.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { verifyChain, type AuditEvent } from "../../src/core/audit/audit-chain.ts";
import { dbAuditLog } from "../../src/adapters/db/db-audit-log.ts";
import { dbCareTeam } from "../../src/adapters/db/db-care-team.ts";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";
import { patients, users } from "../../src/adapters/db/schema.ts";
import { CareKind } from "../../src/ports/care-team.ts";
import { tempDir } from "../helpers/run-cli.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas } from "../helpers/postgres.ts";

const havePg = await havePostgres();
const newSchema = scratchSchemas("rv_care");

const adapters: Record<string, { skip: string | false; open: () => Promise<Database> }> = {
  embedded: { skip: false, open: () => openDatabase(`embedded:${join(tempDir("care"), "db")}`) },
  postgres: { skip: havePg ? false : NO_POSTGRES, open: () => openDatabase(PG_URL, { schemaName: newSchema() }) },
};

const T0 = "2026-11-23T10:00:00.000Z";
const audit = (action: string): AuditEvent => ({ time: T0, actor: "operator:test", action, objects: [], purpose: "operations", outcome: "success" });

for (const [name, adapter] of Object.entries(adapters)) {
  describe(`CareTeam contract: ${name}`, { skip: adapter.skip }, () => {
    it("counts a relationship inside its window, for its user and patient only, until ended", async () => {
      const d = await adapter.open();
      try {
        for (const u of ["u1", "u2"]) await d.db.insert(users).values({ id: u, username: u, roles: ["clinician"], passwordHash: "x", mfaRequired: false, createdAt: T0 });
        for (const p of ["p1", "p2"]) await d.db.insert(patients).values({ id: p, keyIdx: `k-${p}`, createdAt: T0 });
        const care = dbCareTeam(d.db);
        assert.equal(await care.isTreating("u1", "p1", T0), false);
        await care.assign({ id: "c1", userId: "u1", patientId: "p1", kind: CareKind.Attending, grantedBy: "operator:test", startsAt: T0, endsAt: "2026-12-01T00:00:00.000Z" }, audit("care.assign"));
        assert.equal(await care.isTreating("u1", "p1", "2026-11-23T10:00:00.000Z"), true);
        assert.equal(await care.isTreating("u1", "p1", "2026-11-23T09:59:59.000Z"), false, "before it starts");
        assert.equal(await care.isTreating("u1", "p1", "2026-12-01T00:00:00.000Z"), false, "at its planned end");
        assert.equal(await care.isTreating("u2", "p1", "2026-11-24T00:00:00.000Z"), false, "another user");
        assert.equal(await care.isTreating("u1", "p2", "2026-11-24T00:00:00.000Z"), false, "another patient");
        assert.equal(await care.end("u1", "p1", "2026-11-25T00:00:00.000Z", audit("care.end")), 1);
        assert.equal(await care.isTreating("u1", "p1", "2026-11-26T00:00:00.000Z"), false, "ended");
        assert.equal(await care.end("u1", "p1", "2026-11-26T00:00:00.000Z", audit("care.end")), 0);
        assert.equal((await care.list("u1"))[0]?.endedAt, "2026-11-25T00:00:00.000Z");
        const records = await dbAuditLog(d.db).all();
        assert.deepEqual(records.map((r) => r.action), ["care.assign", "care.end"], "an end that ends nothing is not recorded");
        assert.deepEqual(records[1]!.objects, ["care:c1"]);
        assert.equal(verifyChain(records).ok, true);
      } finally {
        await d.close();
      }
    });

    it("records nothing when the relationship cannot be stored (unknown user)", async () => {
      const d = await adapter.open();
      try {
        await d.db.insert(patients).values({ id: "p1", keyIdx: "k-p1", createdAt: T0 });
        const care = dbCareTeam(d.db);
        await assert.rejects(care.assign({ id: "c1", userId: "nobody", patientId: "p1", kind: CareKind.Referring, grantedBy: "operator:test", startsAt: T0, endsAt: null }, audit("care.assign")));
        assert.deepEqual(await dbAuditLog(d.db).all(), []);
      } finally {
        await d.close();
      }
    });
  });
}
