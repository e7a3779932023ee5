/**
 * Records kept once whatever arrives together: of two terminations of one agreement recorded at the
 * same moment, only one is written (compare-and-set against the real embedded database), so the
 * termination on record is never moved behind the checks' back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addRecipient } from "../../src/app/manage-directory.ts";
import { addAgreement, terminateAgreement } from "../../src/app/manage-records.ts";
import { vaultDeps, type VaultDeps } from "../../src/config/compose-vault.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { tempDir } from "../helpers/run-cli.ts";

describe("records changed at the same moment", () => {
  let deps: VaultDeps;
  before(async () => {
    deps = await vaultDeps(loadConfig({ RAYVAULT_HOME: join(tempDir("race"), "home") }));
  });
  after(async () => {
    await deps.close();
  });

  it("writes one of two terminations of an agreement recorded together, and refuses the other", async () => {
    const { id: recipientId } = await addRecipient({ actor: "operator:test", kind: "business-associate", name: "Cloud Archive Inc", email: "ops@cloud-archive.test" }, deps);
    const id = await addAgreement({ actor: "operator:test", recipientId, kind: "baa", parties: "Clinic and Cloud Archive Inc", effective: "2026-01-01", scope: ["operations"], document: Buffer.from("%PDF-1.4 signed") }, deps);
    const results = await Promise.allSettled([
      terminateAgreement({ actor: "operator:a", id, at: "2026-03-01" }, deps),
      terminateAgreement({ actor: "operator:b", id, at: "2026-04-01" }, deps),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    const winner = results[0].status === "fulfilled" ? "2026-03-01" : "2026-04-01";
    assert.equal((await deps.policy.get("agreements", id))!.terminatedAt!.slice(0, 10), winner, "the termination written is the one that succeeded");
  });
});
