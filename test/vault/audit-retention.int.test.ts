/**
 * `rayvault audit prune` end to end: refused inside the six-year retention period and with a bad
 * setting; past it, the records go to a 0600 JSON-lines archive first (which re-verifies as a chain from
 * the genesis up to the anchor checkpoint), then the chain starts at that signed checkpoint and
 * `audit verify` still passes.
 */
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { dbAuditLog } from "../../src/adapters/db/db-audit-log.ts";
import { openDatabase } from "../../src/adapters/db/open-database.ts";
import { openFileAuditKey } from "../../src/adapters/keys/file-audit-key.ts";
import { checkpointAudit } from "../../src/app/verify-vault.ts";
import { verifyChain, type AuditRecord } from "../../src/core/audit/audit-chain.ts";
import { runCli, tempDir } from "../helpers/run-cli.ts";

it("prunes only past retention, archives first, and keeps a verifiable chain", async () => {
  const home = tempDir("retention");
  const env = { RAYVAULT_HOME: home };
  // Records from 2015–2016 and a checkpoint signed then with the vault's own audit key.
  const d = await openDatabase(`embedded:${join(home, "db")}`);
  try {
    const audit = dbAuditLog(d.db);
    for (let i = 0; i < 6; i++) await audit.append({ time: `2015-0${i + 1}-10T08:00:00.000Z`, actor: "user:u1", action: "study.view", objects: [`study:s${i}`], purpose: "treatment", outcome: "success" });
    await checkpointAudit({ audit, auditKey: openFileAuditKey(join(home, "keys")), now: () => "2016-01-01T00:00:00.000Z" });
  } finally {
    await d.close();
  }
  assert.equal(runCli(["user", "login", "nobody"], env).status, 3, "a recent record (failed login)");

  const recent = runCli(["audit", "prune", "--before", "2024-01-01", "--archive", join(home, "a.jsonl")], env);
  assert.equal(recent.status, 3);
  assert.match(recent.stdout, /NOT PRUNED: records are kept at least 6 years/);
  const badSetting = runCli(["audit", "prune", "--before", "2016-01-01", "--archive", join(home, "a.jsonl")], { ...env, RAYVAULT_AUDIT_RETENTION_YEARS: "3" });
  assert.equal(badSetting.status, 1);
  assert.match(badSetting.stderr, /at least 6/);

  const archive = join(home, "audit-2015.jsonl");
  const pruned = runCli(["audit", "prune", "--before", "2016-01-01", "--archive", archive], env);
  assert.equal(pruned.status, 0, pruned.stdout + pruned.stderr);
  assert.match(pruned.stdout, /pruned records 1–6/);
  assert.equal(statSync(archive).mode & 0o777, 0o600);
  const lines = readFileSync(archive, "utf8").trim().split("\n").map((l) => JSON.parse(l) as unknown);
  const { anchor } = lines[0] as { anchor: { treeSize: number; head: string } };
  const records = lines.slice(1) as AuditRecord[];
  const chain = verifyChain(records);
  assert.deepEqual([chain.ok, chain.ok && chain.head, anchor.treeSize], [true, anchor.head, 6], "the archive is the chain up to the anchor");

  const verified = JSON.parse(runCli(["audit", "verify", "--json"], env).stdout) as { ok: boolean; chain: { count: number } };
  assert.deepEqual([verified.ok, verified.chain.count], [true, 2], "the failed login and the prune record remain");
  const again = runCli(["audit", "prune", "--before", "2016-01-01", "--archive", join(home, "b.jsonl")], env);
  assert.equal(again.status, 3, "nothing older is left to prune");
});
