/**
 * `rayvault import`, `vault verify` and `audit verify` end to end, on the embedded default and on a real
 * PostgreSQL server: idempotent imports, no plaintext PHI at rest (grep of the data folder), refused
 * purposes audited, SIGKILL mid-import at several points then a re-run that completes with no orphan and
 * no duplicate, audit rows edited in SQL found at the right record, and concurrent imports of one file.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sql } from "drizzle-orm";
import { openDatabase } from "../../src/adapters/db/open-database.ts";
import { plantedPhiFile, syntheticPatient, xrayFile, PLANTED } from "../fixtures/synthetic-dicom.ts";
import { BIN, runCli, tempDir } from "../helpers/run-cli.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas, withSchemaClient } from "../helpers/postgres.ts";

const havePg = await havePostgres();
const newSchema = scratchSchemas("rv_vault");

interface Env {
  readonly env: Record<string, string>;
  readonly home: string;
  readonly sql: (query: string) => Promise<void>;
}

const databases: Record<string, { skip: string | false; make: () => Env }> = {
  embedded: {
    skip: false,
    make: () => {
      const home = tempDir("vault");
      return {
        home,
        env: { RAYVAULT_HOME: home },
        sql: async (q) => {
          const d = await openDatabase(`embedded:${join(home, "db")}`);
          await d.db.execute(sql.raw(q));
          await d.close();
        },
      };
    },
  },
  postgres: {
    skip: havePg ? false : NO_POSTGRES,
    make: () => {
      const home = tempDir("vault-pg");
      const schema = newSchema();
      return {
        home,
        env: { RAYVAULT_HOME: home, RAYVAULT_DATABASE_URL: PG_URL, RAYVAULT_DATABASE_SCHEMA: schema },
        sql: (q) => withSchemaClient(schema, async (c) => {
          await c.query(q);
        }),
      };
    },
  },
};

function inputs(n: number): string {
  const dir = tempDir("import-in");
  writeFileSync(join(dir, "planted.dcm"), plantedPhiFile());
  for (let i = 0; i < n - 1; i++) writeFileSync(join(dir, `xr${i}.dcm`), xrayFile(20 + i, 128, 96));
  return dir;
}

interface ImportJson {
  files: Array<{ path: string; status: string; instance?: string }>;
  refusal?: { rule: string };
}

const importJson = (env: Env, dir: string, extra: Record<string, string> = {}, purpose = "treatment") =>
  runCli(["import", dir, "--purpose", purpose, "--json"], { ...env.env, ...extra });

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

for (const [name, database] of Object.entries(databases)) {
  describe(`vault import on ${name}`, { skip: database.skip }, () => {
    it("imports once, then recognises every file as already stored", () => {
      const env = database.make();
      const dir = inputs(4);
      const first = importJson(env, dir);
      assert.equal(first.status, 0, first.stdout + first.stderr);
      assert.deepEqual((JSON.parse(first.stdout) as ImportJson).files.map((f) => f.status), ["imported", "imported", "imported", "imported"]);
      const again = JSON.parse(importJson(env, dir).stdout) as ImportJson;
      assert.deepEqual(again.files.map((f) => f.status), ["duplicate", "duplicate", "duplicate", "duplicate"]);
      const audit = runCli(["audit", "verify", "--json"], env.env);
      assert.equal(audit.status, 0, audit.stdout + audit.stderr);
      assert.equal((JSON.parse(audit.stdout) as { chain: { count: number } }).chain.count, 4);
      const vault = runCli(["vault", "verify", "--json"], env.env);
      assert.equal(vault.status, 0, vault.stdout);
      assert.deepEqual(JSON.parse(vault.stdout), { version: 1, checked: 4, problems: [] });
    });

    it("keeps no PHI in clear anywhere under RAYVAULT_HOME (database files, blobs, keys)", () => {
      const env = database.make();
      assert.equal(importJson(env, inputs(3)).status, 0);
      const p = syntheticPatient(20);
      const needles = [PLANTED.patientName.split("^")[0]!, PLANTED.patientId, PLANTED.birthDate, PLANTED.uid, p.name.split("^")[0]!, p.id, p.birthDate, p.studyUid, p.accession];
      for (const file of filesUnder(env.home)) {
        const bytes = readFileSync(file);
        for (const n of needles) assert.equal(bytes.includes(Buffer.from(n)), false, `${n} in ${file}`);
      }
    });

    it("refuses a personal purpose and audits the refusal", () => {
      const env = database.make();
      const r = importJson(env, inputs(2), {}, "personal");
      assert.equal(r.status, 3);
      assert.equal((JSON.parse(r.stdout) as ImportJson).refusal?.rule, "purpose-refused");
      const audit = JSON.parse(runCli(["audit", "verify", "--json"], env.env).stdout) as { chain: { count: number } };
      assert.equal(audit.chain.count, 1);
    });

    for (const fault of ["after-blob:1", "after-blob:3", "after-commit:2"]) {
      it(`survives SIGKILL ${fault}: the re-run completes with no orphan and no duplicate`, () => {
        const env = database.make();
        const dir = inputs(4);
        const killed = importJson(env, dir, { RAYVAULT_TEST_FAULT: fault });
        assert.equal(killed.status, -1, `expected a kill, got ${killed.status}: ${killed.stdout}${killed.stderr}`);
        const rerun = importJson(env, dir);
        assert.equal(rerun.status, 0, rerun.stdout + rerun.stderr);
        const statuses = (JSON.parse(rerun.stdout) as ImportJson).files.map((f) => f.status).sort();
        assert.equal(statuses.filter((s) => s === "refused").length, 0);
        const vault = JSON.parse(runCli(["vault", "verify", "--json"], env.env).stdout) as { checked: number; problems: unknown[] };
        assert.deepEqual([vault.checked, vault.problems], [4, []]);
        const audit = JSON.parse(runCli(["audit", "verify", "--json"], env.env).stdout) as { ok: boolean; chain: { count: number } };
        assert.deepEqual([audit.ok, audit.chain.count], [true, 4]);
      });
    }

    it("finds audit rows edited or deleted in SQL, naming the record (exit 3)", async () => {
      const env = database.make();
      assert.equal(importJson(env, inputs(4)).status, 0);
      await env.sql("update audit_records set purpose = 'operations' where seq = 3");
      const edited = runCli(["audit", "verify"], env.env);
      assert.equal(edited.status, 3);
      assert.match(edited.stdout, /AUDIT LOG TAMPERED at record 3: record 3 was altered/);
      await env.sql("update audit_records set purpose = 'treatment' where seq = 3");
      await env.sql("delete from audit_records where seq = 2");
      const deleted = runCli(["audit", "verify", "--json"], env.env);
      assert.equal(deleted.status, 3);
      assert.equal((JSON.parse(deleted.stdout) as { chain: { firstBad: number } }).chain.firstBad, 3);
    });

    it("finds records deleted from the end through the signed checkpoint", async () => {
      const env = database.make();
      assert.equal(importJson(env, inputs(3)).status, 0);
      await env.sql("delete from audit_records where seq = 3");
      const r = runCli(["audit", "verify", "--json"], env.env);
      assert.equal(r.status, 3);
      const v = JSON.parse(r.stdout) as { chain: { ok: boolean }; failedCheckpoints: Array<{ treeSize: number; reason: string }> };
      assert.equal(v.chain.ok, true, "the shortened chain is still a chain");
      assert.deepEqual(v.failedCheckpoints, [{ treeSize: 3, reason: "records 3–3 were signed but are gone" }]);
    });

    it("finds a corrupted object and an orphan with vault verify", async () => {
      const env = database.make();
      assert.equal(importJson(env, inputs(2)).status, 0);
      const blobs = filesUnder(join(env.home, "blobs")).filter((f) => f.endsWith(".rv"));
      const b = readFileSync(blobs[0]!);
      b[b.length - 100]! ^= 0xff;
      writeFileSync(blobs[0]!, b);
      await env.sql("delete from instances where blob_id = (select id from blobs order by id limit 1 offset 1)");
      const r = runCli(["vault", "verify", "--json"], env.env);
      assert.equal(r.status, 3);
      const kinds = (JSON.parse(r.stdout) as { problems: Array<{ problem: string }> }).problems.map((p) => p.problem).sort();
      assert.deepEqual(kinds, ["corrupt", "orphan"]);
    });
  });
}

describe("concurrent imports of the same files", { skip: havePg ? false : NO_POSTGRES }, () => {
  it("leave one copy of each", async () => {
    const env = databases["postgres"]!.make();
    const dir = inputs(3);
    // Migrate once first, so the two processes race on the imports, not on creating the schema.
    runCli(["audit", "verify"], env.env);
    const run = (): Promise<number> =>
      new Promise((ok) => {
        const child = spawn(process.execPath, [BIN, "import", dir, "--purpose", "treatment", "--json"], { env: { ...process.env, ...env.env }, stdio: "ignore" });
        child.on("exit", (code) => ok(code ?? -1));
      });
    const codes = await Promise.all([run(), run()]);
    assert.deepEqual(codes, [0, 0]);
    const vault = JSON.parse(runCli(["vault", "verify", "--json"], env.env).stdout) as { checked: number; problems: unknown[] };
    assert.deepEqual([vault.checked, vault.problems], [3, []]);
    const audit = JSON.parse(runCli(["audit", "verify", "--json"], env.env).stdout) as { ok: boolean; chain: { count: number } };
    assert.deepEqual([audit.ok, audit.chain.count], [true, 3]);
  });
});


describe("master key rotation, shredding, key from the environment, unreachable database", () => {
  it("rotates: objects re-wrapped, old key retired, everything still verifies; shred makes one unreadable", () => {
    const env = databases["embedded"]!.make();
    assert.equal(importJson(env, inputs(3)).status, 0);
    const rotated = runCli(["vault", "rotate"], env.env);
    assert.equal(rotated.status, 0, rotated.stdout + rotated.stderr);
    assert.match(rotated.stdout, /3 object\(s\) re-wrapped; retired: mk-/);
    const ring = JSON.parse(readFileSync(join(env.home, "keys", "vault-keyring.json"), "utf8")) as { keys: Record<string, string> };
    assert.equal(Object.keys(ring.keys).length, 1, "only the new key is left");
    assert.deepEqual(JSON.parse(runCli(["vault", "verify", "--json"], env.env).stdout), { version: 1, checked: 3, problems: [] });
    const id = filesUnder(join(env.home, "blobs")).map((f) => f.split("/").pop()!.replace(/\.rv$/, ""))[0]!;
    assert.equal(runCli(["vault", "shred", id], env.env).status, 0);
    assert.deepEqual(JSON.parse(runCli(["vault", "verify", "--json"], env.env).stdout), { version: 1, checked: 3, problems: [] });
    const audit = JSON.parse(runCli(["audit", "export", "--format", "fhir"], env.env).stdout) as { entry: Array<{ resource: { subtype: Array<{ code: string }> } }> };
    assert.deepEqual(audit.entry.map((e) => e.resource.subtype[0]!.code).slice(-2), ["key.rotate", "key.shred"]);
  });

  it("takes the master key from RAYVAULT_MASTER_KEY and refuses the wrong one", () => {
    const env = databases["embedded"]!.make();
    const key = randomBytes(32).toString("base64");
    assert.equal(importJson(env, inputs(2), { RAYVAULT_MASTER_KEY: key }).status, 0);
    assert.equal(runCli(["vault", "verify"], { ...env.env, RAYVAULT_MASTER_KEY: key }).status, 0);
    const wrong = runCli(["vault", "verify", "--json"], { ...env.env, RAYVAULT_MASTER_KEY: randomBytes(32).toString("base64") });
    assert.equal(wrong.status, 3);
    assert.ok((JSON.parse(wrong.stdout) as { problems: Array<{ code: string }> }).problems.every((p) => p.code === "RV_KEY_MISSING"));
  });

  it("says clearly when the PostgreSQL server cannot be reached, and creates nothing", () => {
    const home = tempDir("nodb");
    const r = runCli(["audit", "verify"], { RAYVAULT_HOME: home, RAYVAULT_DATABASE_URL: "postgres://postgres@127.0.0.1:1/test" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /RV_DATABASE_UNAVAILABLE: cannot reach the PostgreSQL server/);
    assert.deepEqual(readdirSync(home), [], "no half-initialised state");
  });
});
