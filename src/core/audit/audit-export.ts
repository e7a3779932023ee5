/**
 * @module core/audit/audit-export
 * Renders audit records for auditors and other systems: CSV (RFC 4180), FHIR R4 AuditEvent resources
 * in a Bundle, and DICOM/IHE ATNA audit messages (PS3.15 Annex A.5, RFC 3881 schema), one per line.
 * Records carry references only, so exports carry no PHI either. CSV and FHIR keep the chain hashes, so
 * an exported log can be re-verified. Pure.
 */
import type { AuditRecord } from "./audit-chain.ts";

export const AuditExportFormat = { Csv: "csv", Fhir: "fhir", Atna: "atna" } as const;
export type AuditExportFormat = (typeof AuditExportFormat)[keyof typeof AuditExportFormat];

/** DICOM Audit Event IDs (PS3.16 CID 400) and FHIR action codes for Rayvault's actions. */
const EVENTS: ReadonlyArray<readonly [prefix: string, code: string, meaning: string, action: "C" | "R" | "U" | "D" | "E"]> = [
  ["study.import", "110107", "Import", "C"],
  ["study.view", "110103", "DICOM Instances Accessed", "R"],
  ["study.download", "110106", "Export", "R"],
  ["study.search", "110112", "Query", "E"],
  ["study.deidentify", "110103", "DICOM Instances Accessed", "R"],
  ["disclosure", "110106", "Export", "E"],
  ["login", "110114", "User Authentication", "E"],
  ["logout", "110114", "User Authentication", "E"],
  ["user", "110136", "Security Roles Changed", "U"],
  ["key", "110131", "Software Configuration", "U"],
  ["config", "110131", "Software Configuration", "U"],
  ["audit", "110101", "Audit Log Used", "R"],
];

function eventOf(action: string): { code: string; meaning: string; action: "C" | "R" | "U" | "D" | "E" } {
  const hit = EVENTS.find(([p]) => action.startsWith(p));
  return hit ? { code: hit[1], meaning: hit[2], action: hit[3] } : { code: "110100", meaning: "Application Activity", action: "E" };
}

/** HL7 v3 ActReason codes for Rayvault's purposes of use. */
const PURPOSE_CODES: Readonly<Record<string, string>> = {
  treatment: "TREAT",
  "emergency-treatment": "ETREAT",
  payment: "HPAYMT",
  operations: "HOPERAT",
  "patient-request": "PATRQT",
  "deidentified-research": "HRESCH",
};

/** RFC 3881 EventOutcomeIndicator: 0 success, 4 minor failure (a refusal), 8 serious failure. */
const OUTCOME_CODES: Readonly<Record<string, string>> = { success: "0", refused: "4", failure: "8" };

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function auditCsv(records: readonly AuditRecord[]): string {
  const header = ["seq", "time", "actor", "action", "objects", "purpose", "outcome", "prev_hash", "hash"];
  const rows = records.map((r) => [String(r.seq), r.time, r.actor, r.action, r.objects.join(" "), r.purpose, r.outcome, r.prevHash, r.hash].map(csvField).join(","));
  return `${[header.join(","), ...rows].join("\r\n")}\r\n`;
}

export function auditFhirBundle(records: readonly AuditRecord[], sourceName = "Rayvault"): Record<string, unknown> {
  return {
    resourceType: "Bundle",
    type: "collection",
    entry: records.map((r) => {
      const e = eventOf(r.action);
      const purpose = PURPOSE_CODES[r.purpose];
      return {
        resource: {
          resourceType: "AuditEvent",
          id: `rv-${r.seq}`,
          type: { system: "http://dicom.nema.org/resources/ontology/DCM", code: e.code, display: e.meaning },
          subtype: [{ system: "urn:rayvault:audit-action", code: r.action }],
          action: e.action,
          recorded: r.time,
          outcome: OUTCOME_CODES[r.outcome] ?? "8",
          ...(purpose ? { purposeOfEvent: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ActReason", code: purpose }] }] } : {}),
          agent: [{ who: { identifier: { value: r.actor } }, requestor: true }],
          source: { observer: { display: sourceName } },
          entity: r.objects.map((o) => ({ what: { identifier: { value: o } } })),
          extension: [
            { url: "urn:rayvault:audit-chain:seq", valueInteger: r.seq },
            { url: "urn:rayvault:audit-chain:prev-hash", valueString: r.prevHash },
            { url: "urn:rayvault:audit-chain:hash", valueString: r.hash },
          ],
        },
      };
    }),
  };
}

function xml(v: string): string {
  return v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** One DICOM audit message (PS3.15 A.5.1) per record, one per line, as an ATNA repository receives them. */
export function auditAtna(records: readonly AuditRecord[], sourceId = "RAYVAULT"): string {
  return records
    .map((r) => {
      const e = eventOf(r.action);
      const objects = r.objects
        .map((o) => `<ParticipantObjectIdentification ParticipantObjectID="${xml(o)}" ParticipantObjectTypeCode="2"><ParticipantObjectIDTypeCode csd-code="${xml(r.action)}" codeSystemName="urn:rayvault:audit-action" originalText="${xml(r.action)}"/></ParticipantObjectIdentification>`)
        .join("");
      const purpose = PURPOSE_CODES[r.purpose];
      return (
        `<AuditMessage>` +
        `<EventIdentification EventActionCode="${e.action}" EventDateTime="${xml(r.time)}" EventOutcomeIndicator="${OUTCOME_CODES[r.outcome] ?? "8"}">` +
        `<EventID csd-code="${e.code}" codeSystemName="DCM" originalText="${xml(e.meaning)}"/>` +
        (purpose ? `<PurposeOfUse csd-code="${purpose}" codeSystemName="v3-ActReason" originalText="${xml(r.purpose)}"/>` : "") +
        `</EventIdentification>` +
        `<ActiveParticipant UserID="${xml(r.actor)}" UserIsRequestor="true"/>` +
        `<AuditSourceIdentification AuditSourceID="${xml(sourceId)}"/>` +
        objects +
        `</AuditMessage>`
      );
    })
    .join("\n");
}
