/**
 * Contract for the filing rehearsal on every database adapter (the embedded PGlite default and a real
 * PostgreSQL server, 127.0.0.1:5432, database `test`, a schema of its own per run): the listener's
 * start-up rehearsal runs the index's statements on made-up rows and keeps nothing — no patient, study,
 * series, instance or blob row, no audit record — and the audit chain goes on unbroken after it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { count, sql } from "drizzle-orm";
import { rehearseFiling } from "../../src/app/receive-dicom.ts";
import { verifyChain, type AuditEvent } from "../../src/core/audit/audit-chain.ts";
import { dbAuditLog } from "../../src/adapters/db/db-audit-log.ts";
import { dbImagingIndex } from "../../src/adapters/db/db-imaging-index.ts";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";
import { blobs } from "../../src/adapters/db/schema.ts";
import { nodeRandom } from "../../src/adapters/random/node-random.ts";
import type { ImportRecord } from "../../src/ports/imaging-index.ts";
import { tempDir } from "../helpers/run-cli.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas } from "../helpers/postgres.ts";

const havePg = await havePostgres();
const newSchema = scratchSchemas("rv_rehearse");

const adapters: Record<string, { skip: string | false; open: () => Promise<Database> }> = {
  embedded: { skip: false, open: () => openDatabase(`embedded:${join(tempDir("rehearse"), "db")}`) },
  postgres: { skip: havePg ? false : NO_POSTGRES, open: () => openDatabase(PG_URL, { schemaName: newSchema() }) },
};

const now = (): string => new Date().toISOString();

/** One real import, as the receiver files it. */
function realImport(n: number): { rec: ImportRecord; audit: AuditEvent } {
  const id = String(n).padStart(4, "0");
  return {
    rec: {
      patient: { keyIdx: `patient-${id}` },
      study: { uidIdx: `study-${id}`, uidEnc: `rvf1.study-${id}` },
      series: { uidIdx: `series-${id}`, uidEnc: `rvf1.series-${id}`, modality: "CT" },
      instance: { identityIdx: `instance-${id}`, sopUidEnc: `rvf1.sop-${id}`, purpose: "treatment", importedBy: "dicom:test" },
      blob: { id: `dcm-${id}`, keyId: "k1", size: 10, sha256: "00".repeat(32) },
    },
    audit: { time: now(), actor: "dicom:test", action: "study.import", objects: [`blob:dcm-${id}`], purpose: "treatment", outcome: "success" },
  };
}

for (const [name, adapter] of Object.entries(adapters)) {
  describe(`filing rehearsal: ${name}`, { skip: adapter.skip }, () => {
    it("keeps no row and no audit record, and the chain goes on after it", async () => {
      const d = await adapter.open();
      try {
        const index = dbImagingIndex(d.db, now);
        const audit = dbAuditLog(d.db);
        await index.recordImports([realImport(1)]);
        const counts = await index.counts();
        const blobRows = async (): Promise<number> => (await d.db.select({ n: count() }).from(blobs))[0]!.n;
        const blobsBefore = await blobRows();
        const chain = await audit.all();
        await rehearseFiling({ index, random: nodeRandom, now }, { groups: 2, size: 16 });
        assert.deepEqual(await index.counts(), counts, "no patient, study, series or instance kept");
        assert.equal(await blobRows(), blobsBefore, "no blob row kept");
        assert.deepEqual(await audit.all(), chain, "no audit record kept");
        const [after] = await index.recordImports([realImport(2)]);
        assert.equal(after?.audit?.seq, chain.at(-1)!.seq + 1, "the next record follows the last real one");
        const v = verifyChain(await audit.all());
        assert.ok(v.ok, "the chain verifies");
      } finally {
        await d.close();
      }
    });

    it("runs the index's statements: a database without the instances table fails it", async () => {
      const d = await adapter.open();
      try {
        await d.db.execute(sql`drop table instances cascade`);
        await assert.rejects(rehearseFiling({ index: dbImagingIndex(d.db, now), random: nodeRandom, now }, { groups: 1, size: 4 }), /instances/);
      } finally {
        await d.close();
      }
    });
  });
}
