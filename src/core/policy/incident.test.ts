/**
 * Incidents per §13 and §17 of the rules: a misdirected S/MIME message is secured, not notifiable; a
 * misdirected TLS-only e-mail is unsecured and a presumed breach with its clocks; 600 residents of one
 * State bring media and HHS notices within 60 days; 20 people go to the year-end log; a documented
 * low-probability assessment ends it; penalty amounts carry their effective date and source.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { penaltiesOn, PROPOSED_RULES } from "./dated-rules.ts";
import { assessIncident, type IncidentFacts } from "./incident.ts";

const base: IncidentFacts = { kind: "misdirected", discoveredAt: "2026-11-23T09:00:00.000Z", affected: 1, residentsByState: { IL: 1 }, protection: "smime", keyCompromised: false };

describe("assessIncident", () => {
  it("a misdirected S/MIME message is secured PHI: not notifiable", () => {
    const a = assessIncident(base);
    assert.deepEqual([a.status, a.notifiable, a.notices.length], ["secured-not-notifiable", false, 0]);
  });

  it("a misdirected TLS-only e-mail is unsecured: presumed breach, individuals within 60 days, year-end HHS log", () => {
    const a = assessIncident({ ...base, protection: "tls-only" });
    assert.deepEqual([a.status, a.notifiable], ["presumed-breach", true]);
    assert.deepEqual(a.notices.map((n) => [n.audience, n.due.slice(0, 10)]), [["individuals", "2027-01-22"], ["hhs-annual-log", "2027-03-01"]]);
    assert.match(a.missing.join(), /four-factor/);
  });

  it("600 residents of one State: media and HHS within 60 days", () => {
    const a = assessIncident({ ...base, protection: "plain", affected: 650, residentsByState: { IL: 600, WI: 50 } });
    assert.deepEqual(a.notices.map((n) => n.audience).sort(), ["hhs", "individuals", "media"]);
    assert.match(a.notices.find((n) => n.audience === "media")!.detail, /IL/);
    assert.ok(a.notices.every((n) => n.due.startsWith("2027-01-22")));
  });

  it("a documented low-probability assessment of all four factors ends the presumption; an incomplete one does not", () => {
    const assessment = { natureAndExtent: "one chest X-ray, name and MRN", unauthorizedPerson: "a physician at another hospital", acquiredOrViewed: "no" as const, mitigation: "signed attestation of deletion received", conclusion: "low-probability" as const };
    assert.equal(assessIncident({ ...base, protection: "tls-only", assessment }).status, "low-probability-documented");
    assert.equal(assessIncident({ ...base, protection: "tls-only", assessment: { ...assessment, mitigation: "" } }).status, "presumed-breach");
    assert.equal(assessIncident({ ...base, protection: "tls-only", assessment: { ...assessment, acquiredOrViewed: "unknown" } }).status, "presumed-breach");
  });

  it("an encrypted message whose key was compromised counts as unsecured; an exclusion ends it", () => {
    assert.equal(assessIncident({ ...base, keyCompromised: true }).status, "presumed-breach");
    assert.equal(assessIncident({ ...base, protection: "plain", exclusion: "inadvertent-internal" }).status, "excluded");
  });

  it("penalty amounts are dated data with their source; proposed rules say so", () => {
    const now = penaltiesOn("2026-11-23")!;
    assert.equal(now.effective, "2026-01-28");
    assert.match(now.source, /45 CFR 102\.3/);
    assert.deepEqual(now.tiers.map((t) => t.minPerViolation), [145, 1461, 14602, 73011]);
    assert.equal(penaltiesOn("2025-06-01")!.tiers[0]!.minPerViolation, 141, "before the 2026 adjustment");
    assert.equal(penaltiesOn("2020-01-01"), undefined, "no table older than the data");
    assert.ok(PROPOSED_RULES.every((r) => r.status === "proposed"));
    assert.equal(assessIncident({ ...base, protection: "plain" }).penalties?.effective, "2026-01-28");
  });
});
