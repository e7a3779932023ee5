import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import { authorizationFormOf } from "./staff-routes.ts";

const fields = (entries: Array<[string, string]>): Map<string, string[]> => {
  const m = new Map<string, string[]>();
  for (const [k, v] of entries) m.set(k, [...(m.get(k) ?? []), v]);
  return m;
};

describe("the authorization form from the portal's fields", () => {
  it("reads every element, repeated fields as lists and ticked boxes as true, as `authorization add --form` takes them", () => {
    const form = authorizationFormOf(fields([
      ["patientMrn", " MRN04723757 "], ["description", "Chest X-rays taken in 2024"], ["scopeFrom", "2024-01-01"], ["studyUid", "1.2.3"], ["studyUid", "1.2.4"],
      ["disclosers", "Springfield Imaging"], ["recipientId", "rcp-1"], ["recipientKind", "other"], ["recipientDescription", "Acme Life Insurance"],
      ["purpose", "authorized"], ["purpose", "underwriting"], ["expiresAt", "2027-06-01"], ["signedAt", "2026-11-24"], ["signedBy", "patient"],
      ["rightToRevoke", "true"], ["conditioning", "true"], ["compound", "true"],
    ]));
    assert.deepEqual(form, {
      patientMrn: "MRN04723757", description: "Chest X-rays taken in 2024", scope: { studyUids: ["1.2.3", "1.2.4"], from: "2024-01-01" }, disclosers: "Springfield Imaging",
      recipients: { ids: ["rcp-1"], kinds: ["other"], description: "Acme Life Insurance" }, purposes: ["authorized", "underwriting"], expiresAt: "2027-06-01",
      signedAt: "2026-11-24", signedBy: "patient", statements: { rightToRevoke: true, conditioning: true, redisclosure: false }, compound: true,
    });
  });

  it("leaves out what the form does not say, so the validation names it (never a default that passes)", () => {
    const form = authorizationFormOf(fields([["patientMrn", "MRN1"], ["expiresAt", "  "]]));
    assert.deepEqual(form, { patientMrn: "MRN1", description: "", scope: {}, disclosers: "", recipients: { ids: [], kinds: [], description: "" }, purposes: [], statements: { rightToRevoke: false, conditioning: false, redisclosure: false } });
  });

  it("refuses a signer that is neither the patient nor a representative", () => {
    assert.throws(() => authorizationFormOf(fields([["signedBy", "neighbour"]])), (e: unknown) => e instanceof RayvaultError && e.code === ErrorCode.UsageInvalid);
  });
});
