/**
 * The patient page's first step against the real vault (embedded database): codes for one patient's
 * verified address are limited per hour, whoever asks, so the page cannot flood a mailbox; past the
 * limit the answer is the same opaque sign-in id, no code is made, and the refusal is audited.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { importFiles } from "../../src/app/import-files.ts";
import { addRecipient, verifyAddress } from "../../src/app/manage-directory.ts";
import { startPatientSignin } from "../../src/app/patient-requests.ts";
import { vaultDeps, type VaultDeps } from "../../src/config/compose-vault.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { ctSliceFile, syntheticPatient } from "../fixtures/synthetic-dicom.ts";
import { tempDir } from "../helpers/run-cli.ts";

describe("patient sign-in codes", () => {
  let deps: VaultDeps;
  const work = tempDir("patient-codes");
  const P = syntheticPatient(71);
  const email = "eloise@patient-mail.test";
  let recipientId = "";

  before(async () => {
    deps = await vaultDeps(loadConfig({ RAYVAULT_HOME: join(work, "home") }));
    const file = join(work, "slice.dcm");
    writeFileSync(file, ctSliceFile(71, 0));
    const report = await importFiles({ paths: [file], purpose: "treatment", actor: { id: "dicom:test", roles: ["integration"], mfa: false } }, deps);
    assert.equal(report.files[0]?.status, "imported");
    recipientId = (await addRecipient({ actor: "operator:test", kind: "patient", name: "Eloise Patient", email, patientMrn: P.id }, deps)).id;
    await verifyAddress({ actor: "operator:test", recipientId, method: "in-person" }, deps);
  });
  after(async () => {
    await deps.close();
  });

  it("makes at most five codes an hour for one patient's address, and answers the sixth request alike", async () => {
    const details = { email, mrn: P.id, birthDate: `${P.birthDate.slice(0, 4)}-${P.birthDate.slice(4, 6)}-${P.birthDate.slice(6)}` };
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await startPatientSignin(details, deps));
    assert.ok(ids.every((id) => /^psi-[0-9a-f-]{36}$/.test(id)), "the same kind of answer every time");
    const signins = await deps.policy.find("patientSignins", { recipientId });
    assert.deepEqual(signins.map((s) => s.id).sort(), ids.slice(0, 5).sort(), "a code for the first five only");
    const refused = (await deps.audit.recent(50)).filter((r) => r.action === "patient.signin.start" && r.outcome === "refused");
    assert.deepEqual(refused.map((r) => r.objects), [[`signin:${ids[5]}`, "rule:codes-per-hour"]]);
  });
});
