/**
 * @module interfaces/cli/policy-commands
 * The CLI of disclosure decisions (#4): `recipient`, `agreement`, `authorization`, `restriction`,
 * `access-request`, `review`, `incident` and `decide`. Thin: each command parses its options, calls one
 * use-case and prints its result. MRNs come on standard input, never on the command line.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import type { AccessSubject, Role } from "../../core/access/decide-access.ts";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { DecideResult } from "../../app/decide.ts";
import { VERIFICATION_METHODS } from "../../core/policy/vocabulary.ts";
import type { IncidentAssessment } from "../../core/policy/incident.ts";
import type { VaultDeps } from "../../config/compose-vault.ts";

export interface CliKit {
  readonly withVault: (f: (deps: VaultDeps) => Promise<void>) => Promise<void>;
  readonly write: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  /** The local operator, as recorded in audit records. */
  readonly operator: string;
  readonly exit: (code: 0 | 1 | 3) => void;
}

const list = (v: string, all: string[] = []): string[] => [...all, ...v.split(",").map((s) => s.trim()).filter((s) => s !== "")];
const file = (path: string): Uint8Array => {
  try {
    return readFileSync(path);
  } catch {
    throw new RayvaultError(ErrorCode.UnsupportedInput, "cannot read that file");
  }
};
const json = (v: unknown): string => JSON.stringify({ version: 1, ...(v as object) }, null, 2);

export function renderDecision(r: DecideResult): string {
  const d = r.decision;
  const lines: string[] = [];
  const head = d.outcome === "permit" ? "PERMIT" : d.outcome === "deny" ? "DENY" : "NEEDS REVIEW";
  lines.push(`DECISION: ${head}${d.permission ? ` — ${d.permission.reason} (${d.permission.citation})` : ""}`);
  lines.push("Why:");
  for (const b of d.basis) lines.push(`  ${b.citation.padEnd(26)} ${b.reason}`);
  if (d.plan) lines.push(`Minimum necessary: ${d.plan.level} — ${d.plan.applies ? "applies" : "does not apply"} (${d.plan.citation})`);
  if (r.preview) {
    const p = r.preview;
    lines.push(`What leaves: ${p.kept.length} attribute(s) kept, ${p.changed.length} changed, ${p.removed.length} removed; pixels: ${p.pixels}`);
    if (p.removed.length > 0) lines.push(`  removed: ${p.removed.join(", ")}`);
    if (p.changed.length > 0) lines.push(`  changed: ${p.changed.join(", ")}`);
  }
  if (d.channels.length > 0) lines.push(`Channels: ${d.channels.join(", ")}`);
  for (const w of d.warnings) lines.push(`Warning: ${w}`);
  for (const m of d.missing) lines.push(`Missing: ${m}`);
  if (d.accountable) lines.push("Accountable: listed in the patient's accounting of disclosures (164.528)");
  if (r.reviewId) lines.push(`Queued for the privacy officer: review ${r.reviewId}`);
  return lines.join("\n");
}

export function registerPolicyCommands(program: Command, kit: CliKit): void {
  const { withVault, write, readStdin, operator } = kit;

  const recipient = program.command("recipient").description("the directory of who may receive PHI: kinds, verified addresses and identities, delivery keys");
  recipient
    .command("add")
    .description("add a recipient; for a patient or representative the patient's MRN comes on standard input")
    .addOption(new Option("--kind <kind>").choices(["provider", "health-plan", "clearinghouse", "business-associate", "patient", "personal-representative", "other"]).makeOptionMandatory())
    .requiredOption("--name <name>", "person or organisation name")
    .option("--organization <org>")
    .option("--npi <npi>", "providers: the 10-digit NPI (check digit verified)")
    .option("--email <address>", "an address (unverified until `recipient verify-address`)")
    .option("--patient-mrn-stdin", "read the patient's MRN from standard input (patients, representatives)")
    .option("--json")
    .action(async (o: { kind: string; name: string; organization?: string; npi?: string; email?: string; patientMrnStdin?: boolean; json?: boolean }) => {
      const mrn = o.patientMrnStdin ? await readStdin() : undefined;
      await withVault(async (deps) => {
        const { addRecipient } = await import("../../app/manage-directory.ts");
        const r = await addRecipient({ actor: operator, kind: o.kind, name: o.name, ...(o.organization ? { organization: o.organization } : {}), ...(o.npi ? { npi: o.npi } : {}), ...(o.email ? { email: o.email } : {}), ...(mrn !== undefined ? { patientMrn: mrn } : {}) }, deps);
        if (o.json) write(json(r));
        else {
          write(`recipient ${r.id} added${r.addressId ? `, address ${r.addressId} (unverified)` : ""}`);
          if (r.lookalike) write(`WARNING: the address looks like that of ${r.lookalike.recipientId} (${r.lookalike.reasons.join(", ")}): check it is not a typo before verifying it`);
        }
      });
    });
  recipient
    .command("address")
    .description("add an address to a recipient (unverified); --replace supersedes the current ones")
    .argument("<recipient>")
    .requiredOption("--email <address>")
    .option("--replace")
    .action(async (id: string, o: { email: string; replace?: boolean }) => {
      await withVault(async (deps) => {
        const { addAddress } = await import("../../app/manage-directory.ts");
        const r = await addAddress({ actor: operator, recipientId: id, email: o.email, replace: o.replace === true }, deps);
        write(`address ${r.addressId} added (unverified)`);
        if (r.lookalike) write(`WARNING: the address looks like that of ${r.lookalike.recipientId} (${r.lookalike.reasons.join(", ")}): check it is not a typo before verifying it`);
      });
    });
  /** How something was verified: one list, the use-cases' own. */
  const method = (help: string): Option => new Option("--method <method>", help).choices(VERIFICATION_METHODS).makeOptionMandatory();
  recipient
    .command("verify-address")
    .description("record that an address was verified (how, when, by whom)")
    .argument("<recipient>")
    .option("--email <address>", "which address (default: the current one)")
    .addOption(method("how it was verified"))
    .action(async (id: string, o: { email?: string; method: string }) => {
      await withVault(async (deps) => {
        const { verifyAddress } = await import("../../app/manage-directory.ts");
        write(`address ${await verifyAddress({ actor: operator, recipientId: id, method: o.method, ...(o.email ? { email: o.email } : {}) }, deps)} verified (${o.method})`);
      });
    });
  recipient
    .command("verify-identity")
    .description("record that the recipient's identity and authority were verified (164.514(h))")
    .argument("<recipient>")
    .addOption(method("how the identity and authority were verified"))
    .action(async (id: string, o: { method: string }) => {
      await withVault(async (deps) => {
        const { verifyIdentity } = await import("../../app/manage-directory.ts");
        await verifyIdentity({ actor: operator, recipientId: id, method: o.method }, deps);
        write(`identity of ${id} verified (${o.method})`);
      });
    });
  recipient
    .command("key")
    .description("add an S/MIME certificate or an OpenPGP public key for one of the recipient's verified addresses")
    .argument("<recipient>")
    .option("--smime <file>", "certificate, PEM or DER")
    .option("--pgp <file>", "public key, armored or binary")
    .addOption(method("how the key was verified to be theirs"))
    .action(async (id: string, o: { smime?: string; pgp?: string; method: string }) => {
      if ((o.smime === undefined) === (o.pgp === undefined)) throw new RayvaultError(ErrorCode.UsageInvalid, "give exactly one of --smime or --pgp");
      await withVault(async (deps) => {
        const { addDeliveryKey } = await import("../../app/manage-directory.ts");
        const k = await addDeliveryKey({ actor: operator, recipientId: id, kind: o.smime ? "smime" : "pgp", bytes: file((o.smime ?? o.pgp)!), method: o.method }, deps);
        write(`key ${k.id} added, fingerprint ${k.fingerprint}`);
      });
    });
  recipient
    .command("show")
    .argument("<recipient>")
    .option("--json")
    .action(async (id: string, o: { json?: boolean }) => {
      await withVault(async (deps) => {
        const { showRecipient } = await import("../../app/manage-directory.ts");
        const r = await showRecipient(id, deps);
        if (o.json) write(json(r));
        else {
          write(`${r.id}  ${r.kind}  ${r.name}${r.organization ? `, ${r.organization}` : ""}${r.npi ? `  NPI ${r.npi}` : ""}  identity ${r.identityVerified ? `verified ${r.identityVerified.at} (${r.identityVerified.method})` : "NOT verified"}`);
          for (const a of r.addresses) write(`  ${a.id}  ${a.address}  ${a.superseded ? `superseded ${a.superseded}` : a.verified ? `verified ${a.verified.at} by ${a.verified.by} (${a.verified.method})` : "NOT verified"}`);
          for (const k of r.keys) write(`  ${k.id}  ${k.kind}  ${k.fingerprint}${k.notAfter ? `  until ${k.notAfter}` : ""}`);
        }
      });
    });
  recipient
    .command("list")
    .option("--json")
    .action(async (o: { json?: boolean }) => {
      await withVault(async (deps) => {
        const { listRecipients } = await import("../../app/manage-directory.ts");
        const rs = await listRecipients(deps);
        write(o.json ? json({ recipients: rs }) : rs.map((r) => `${r.id}  ${r.kind.padEnd(24)} ${r.name}${r.verified ? "" : "  (identity not verified)"}`).join("\n") || "no recipients");
      });
    });

  const agreement = program.command("agreement").description("business associate agreements (164.504(e)) and data use agreements (164.514(e)), signed document kept in the vault");
  agreement
    .command("add")
    .requiredOption("--recipient <id>")
    .addOption(new Option("--kind <kind>").choices(["baa", "dua"]).makeOptionMandatory())
    .requiredOption("--parties <text>", "who signed, for whom")
    .requiredOption("--effective <date>")
    .option("--ends <date>")
    .requiredOption("--scope <purposes>", "purposes it covers, comma-separated (payment, operations, treatment, research)", list)
    .requiredOption("--document <file>", "the signed agreement (stored encrypted in the vault)")
    .action(async (o: { recipient: string; kind: "baa" | "dua"; parties: string; effective: string; ends?: string; scope: string[]; document: string }) => {
      const document = file(o.document);
      await withVault(async (deps) => {
        const { addAgreement } = await import("../../app/manage-records.ts");
        write(`agreement ${await addAgreement({ actor: operator, recipientId: o.recipient, kind: o.kind, parties: o.parties, effective: o.effective, ...(o.ends ? { ends: o.ends } : {}), scope: o.scope, document }, deps)} recorded`);
      });
    });
  agreement
    .command("terminate")
    .argument("<id>")
    .option("--at <date>")
    .action(async (id: string, o: { at?: string }) => {
      await withVault(async (deps) => {
        const { terminateAgreement } = await import("../../app/manage-records.ts");
        await terminateAgreement({ actor: operator, id, ...(o.at ? { at: o.at } : {}) }, deps);
        write(`agreement ${id} terminated`);
      });
    });

  const authorization = program.command("authorization").description("patient authorizations (164.508): every core element and statement checked");
  authorization
    .command("add")
    .requiredOption("--form <json>", "the form's fields (docs/reference/authorization-json.md)")
    .requiredOption("--document <file>", "the signed form (stored encrypted in the vault)")
    .option("--json")
    .action(async (o: { form: string; document: string; json?: boolean }) => {
      let form: unknown;
      try {
        form = JSON.parse(Buffer.from(file(o.form)).toString("utf8"));
      } catch (cause) {
        throw cause instanceof RayvaultError ? cause : new RayvaultError(ErrorCode.UsageInvalid, "the form is not valid JSON");
      }
      const document = file(o.document);
      await withVault(async (deps) => {
        const { addAuthorization } = await import("../../app/manage-records.ts");
        const r = await addAuthorization({ actor: operator, form: form as never, document }, deps);
        if (o.json) write(json(r));
        else {
          write(`authorization ${r.id} recorded: ${r.verdict.valid ? "VALID" : "NOT VALID (defective, 164.508(b)(2))"}`);
          for (const d of r.verdict.defects) write(`  missing or wrong: ${d.element} (${d.citation})`);
        }
      });
    });
  authorization
    .command("revoke")
    .argument("<id>")
    .option("--received <time>", "when the written revocation was received (default now)")
    .action(async (id: string, o: { received?: string }) => {
      await withVault(async (deps) => {
        const { revokeAuthorization } = await import("../../app/manage-records.ts");
        await revokeAuthorization({ actor: operator, id, ...(o.received ? { receivedAt: o.received } : {}) }, deps);
        write(`authorization ${id} revoked`);
      });
    });
  authorization
    .command("check")
    .argument("<id>")
    .action(async (id: string) => {
      await withVault(async (deps) => {
        const { checkAuthorization } = await import("../../app/manage-records.ts");
        const v = await checkAuthorization(id, deps);
        write(v.valid ? "VALID" : ["NOT VALID", ...v.defects.map((d) => `  ${d.element} (${d.citation})`)].join("\n"));
        kit.exit(v.valid ? 0 : 3);
      });
    });

  const restriction = program.command("restriction").description("restrictions the clinic agreed to (164.522(a)); the patient's MRN on standard input");
  restriction
    .command("add")
    .addOption(new Option("--kind <kind>", "self-pay: paid in full out of pocket, never to the health plan").choices(["self-pay", "agreed"]).makeOptionMandatory())
    .option("--purpose <purposes>", "purposes restricted", list)
    .option("--recipient-kind <kinds>", "recipient kinds restricted", list)
    .option("--recipient <ids>", "recipients restricted", list)
    .option("--study <uids>", "studies restricted (default: all)", list)
    .action(async (o: { kind: "self-pay" | "agreed"; purpose?: string[]; recipientKind?: string[]; recipient?: string[]; study?: string[] }) => {
      const mrn = await readStdin();
      await withVault(async (deps) => {
        const { addRestriction } = await import("../../app/manage-records.ts");
        const id = await addRestriction({ actor: operator, patientMrn: mrn, kind: o.kind, ...(o.purpose ? { purposes: o.purpose } : {}), ...(o.recipientKind ? { recipientKinds: o.recipientKind } : {}), ...(o.recipient ? { recipientIds: o.recipient } : {}), ...(o.study ? { studyUids: o.study } : {}) }, deps);
        write(`restriction ${id} recorded`);
      });
    });
  restriction
    .command("end")
    .argument("<id>")
    .action(async (id: string) => {
      await withVault(async (deps) => {
        const { endRestriction } = await import("../../app/manage-records.ts");
        await endRestriction({ actor: operator, id }, deps);
        write(`restriction ${id} ended`);
      });
    });

  const access = program.command("access-request").description("the patient's right of access (164.524): 30-day clock, one extension, the unencrypted e-mail warning");
  access
    .command("open")
    .description("record a request; the patient's MRN on standard input")
    .requiredOption("--requester <recipient>", "the patient or representative in the directory")
    .addOption(new Option("--format <format>").choices(["dicom", "jpeg", "pdf"]).default("dicom"))
    .addOption(new Option("--channel <channel>").choices(["smime", "pgp", "portal", "plain-email"]).default("portal"))
    .option("--received <time>", "when the request was received (default now)")
    .action(async (o: { requester: string; format: string; channel: string; received?: string }) => {
      const mrn = await readStdin();
      await withVault(async (deps) => {
        const { openAccessRequest } = await import("../../app/manage-records.ts");
        const r = await openAccessRequest({ actor: operator, patientMrn: mrn, requesterId: o.requester, format: o.format, channel: o.channel, ...(o.received ? { receivedAt: o.received } : {}) }, deps);
        write(`access request ${r.id} opened; due ${r.dueAt}${r.identityVerifiedAt ? "" : "; verify the requester's identity before anything is sent"}`);
      });
    });
  access.command("verify").argument("<id>").description("record that the requester's identity (and authority) was verified").action(async (id: string) => {
    await withVault(async (deps) => {
      const { verifyAccessRequester } = await import("../../app/manage-records.ts");
      await verifyAccessRequester({ actor: operator, id }, deps);
      write(`requester of ${id} verified`);
    });
  });
  access.command("warning").description("print the risk warning the patient must acknowledge before unencrypted e-mail").action(async () => {
    const { PLAIN_EMAIL_WARNING } = await import("../../app/manage-records.ts");
    write(`warning version ${PLAIN_EMAIL_WARNING.version}:\n${PLAIN_EMAIL_WARNING.text}`);
  });
  access
    .command("acknowledge")
    .argument("<id>")
    .requiredOption("--warning-version <v>", "the version of the warning the patient was shown")
    .action(async (id: string, o: { warningVersion: string }) => {
      await withVault(async (deps) => {
        const { acknowledgePlainEmailWarning } = await import("../../app/manage-records.ts");
        await acknowledgePlainEmailWarning({ actor: operator, id, version: o.warningVersion }, deps);
        write(`acknowledgement of warning ${o.warningVersion} recorded for ${id}`);
      });
    });
  access
    .command("extend")
    .argument("<id>")
    .requiredOption("--reason <text>", "the reason given to the patient in writing")
    .action(async (id: string, o: { reason: string }) => {
      await withVault(async (deps) => {
        const { extendAccessRequest } = await import("../../app/manage-records.ts");
        write(`extended: now due ${await extendAccessRequest({ actor: operator, id, reason: o.reason }, deps)}`);
      });
    });
  access.command("complete").argument("<id>").action(async (id: string) => {
    await withVault(async (deps) => {
      const { completeAccessRequest } = await import("../../app/manage-records.ts");
      await completeAccessRequest({ actor: operator, id }, deps);
      write(`access request ${id} completed`);
    });
  });
  access.command("list").option("--json").action(async (o: { json?: boolean }) => {
    await withVault(async (deps) => {
      const { listAccessRequests } = await import("../../app/manage-records.ts");
      const rs = await listAccessRequests(deps);
      write(o.json ? json({ requests: rs }) : rs.map((r) => `${r.id}  received ${r.receivedAt}  due ${r.dueAt}${r.extendedAt ? " (extended)" : ""}  ${r.completedAt ? "completed" : r.overdue ? "OVERDUE" : "open"}`).join("\n") || "no access requests");
    });
  });

  const review = program.command("review").description("the privacy officer's queue: disclosures under 164.510/164.512");
  review.command("list").option("--all", "include decided reviews").option("--json").action(async (o: { all?: boolean; json?: boolean }) => {
    await withVault(async (deps) => {
      const { listReviews } = await import("../../app/manage-records.ts");
      const rs = await listReviews(o.all !== true, deps);
      write(o.json ? json({ reviews: rs }) : rs.map((r) => `${r.id}  ${r.purpose}  study ${r.studyId}  to ${r.recipientId}  ${r.outcome ?? "PENDING"}`).join("\n") || "no reviews");
    });
  });
  for (const outcome of ["approve", "refuse"] as const) {
    review
      .command(outcome)
      .argument("<id>")
      .requiredOption("--citation <paragraph>", "the paragraph relied on, e.g. 164.512(f)(1)(ii)")
      .requiredOption("--note <text>", "why: the documents received, the conditions checked")
      .action(async (id: string, o: { citation: string; note: string }) => {
        await withVault(async (deps) => {
          const { decideReview } = await import("../../app/manage-records.ts");
          await decideReview({ actor: operator, id, outcome: outcome === "approve" ? "approved" : "refused", citation: o.citation, note: o.note }, deps);
          write(`review ${id} ${outcome === "approve" ? "approved" : "refused"}`);
        });
      });
  }

  const incident = program.command("incident").description("incidents: breach assessment (164.402), notices and deadlines (164.404–164.410)");
  incident
    .command("open")
    .addOption(new Option("--kind <kind>").choices(["misdirected", "unauthorized-access", "lost-device", "questioned-break-glass", "refused-attempt"]).makeOptionMandatory())
    .requiredOption("--discovered <time>")
    .requiredOption("--affected <n>", "number of individuals", (v) => Number.parseInt(v, 10))
    .option("--state <state=n>", "residents affected per State (repeat)", (v: string, all: Record<string, number>) => {
      const m = /^([A-Za-z][A-Za-z .-]*)=(\d+)$/.exec(v);
      // A count that cannot be read must not silently drop a media notice.
      if (!m) throw new RayvaultError(ErrorCode.UsageInvalid, "--state is STATE=whole number, e.g. IL=600");
      return { ...all, [m[1]!]: Number(m[2]) };
    }, {} as Record<string, number>)
    .addOption(new Option("--protection <p>", "how the PHI was protected").choices(["smime", "pgp", "portal-with-independent-factor", "portal-mailbox-code", "vault-encrypted", "tls-only", "plain", "unknown"]).makeOptionMandatory())
    .option("--key-compromised")
    .option("--json")
    .action(async (o: { kind: string; discovered: string; affected: number; state: Record<string, number>; protection: string; keyCompromised?: boolean; json?: boolean }) => {
      if (!Number.isInteger(o.affected) || o.affected < 0) throw new RayvaultError(ErrorCode.UsageInvalid, "--affected must be a whole number");
      await withVault(async (deps) => {
        const { openIncident } = await import("../../app/manage-records.ts");
        const r = await openIncident({ actor: operator, facts: { kind: o.kind as never, discoveredAt: o.discovered, affected: o.affected, residentsByState: o.state, protection: o.protection as never, keyCompromised: o.keyCompromised === true } }, deps);
        write(o.json ? json(r) : renderIncident(r.id, r.assessment));
      });
    });
  incident
    .command("assess")
    .argument("<id>")
    .option("--nature <text>", "factor 1: the nature and extent of the PHI")
    .option("--person <text>", "factor 2: the unauthorized person")
    .addOption(new Option("--viewed <answer>", "factor 3: was it acquired or viewed").choices(["yes", "no", "unknown"]))
    .option("--mitigation <text>", "factor 4: the extent the risk was mitigated")
    .addOption(new Option("--conclusion <c>").choices(["low-probability", "compromised"]))
    .addOption(new Option("--exclusion <e>", "164.402(1)").choices(["good-faith-workforce", "inadvertent-internal", "could-not-retain"]))
    .option("--json")
    .action(async (id: string, o: { nature?: string; person?: string; viewed?: "yes" | "no" | "unknown"; mitigation?: string; conclusion?: "low-probability" | "compromised"; exclusion?: "good-faith-workforce" | "inadvertent-internal" | "could-not-retain"; json?: boolean }) => {
      const assessment = o.conclusion ? { natureAndExtent: o.nature ?? "", unauthorizedPerson: o.person ?? "", acquiredOrViewed: o.viewed ?? "unknown", mitigation: o.mitigation ?? "", conclusion: o.conclusion } : undefined;
      await withVault(async (deps) => {
        const { assessRecordedIncident } = await import("../../app/manage-records.ts");
        const a = await assessRecordedIncident({ actor: operator, id, ...(assessment ? { assessment } : {}), ...(o.exclusion ? { exclusion: o.exclusion } : {}) }, deps);
        write(o.json ? json({ id, assessment: a }) : renderIncident(id, a));
      });
    });

  program
    .command("decide")
    .description("may this study go to this recipient, for this purpose, by this channel — with the rule, the preview of what leaves, and what is missing")
    .requiredOption("--study <uid>", "Study Instance UID (or the study's id in the vault)")
    .requiredOption("--to <recipient>", "recipient id in the directory")
    .requiredOption("--purpose <purpose>", "treatment, payment, operations, patient-access, authorized, research, law-enforcement, …")
    .requiredOption("--as <user>", "the sender (their role and purpose of use are decided first)")
    .addOption(new Option("--channel <channel>").choices(["smime", "pgp", "portal", "dicom-push", "plain-email"]))
    .option("--email <address>", "which of the recipient's addresses (default: their current one)")
    .option("--entire-record", "the patient's whole imaging record, not one study (164.514(d)(5))")
    .option("--justification <text>", "why the entire record is needed")
    .option("--emergency", "emergency treatment (164.522(a)(1)(iii))")
    .option("--relationship-attested", "the recipient also has a relationship with the patient (164.506(c)(4))")
    .option("--json")
    .action(async (o: { study: string; to: string; purpose: string; as: string; channel?: string; email?: string; entireRecord?: boolean; justification?: string; emergency?: boolean; relationshipAttested?: boolean; json?: boolean }) => {
      await withVault(async (deps) => {
        const user = await deps.users.find(o.as);
        if (!user) throw new RayvaultError(ErrorCode.NotFound, "no such user");
        const actor: AccessSubject = { id: `user:${user.id}`, roles: user.roles as Role[], mfa: user.mfaRequired };
        const { decide } = await import("../../app/decide.ts");
        const r = await decide({
          actor, study: o.study, recipientId: o.to, purpose: o.purpose, selection: o.entireRecord ? "entire-record" : "study",
          ...(o.channel ? { channel: o.channel } : {}), ...(o.email ? { email: o.email } : {}), ...(o.justification ? { justification: o.justification } : {}),
          ...(o.emergency ? { emergency: true } : {}), ...(o.relationshipAttested ? { relationshipAttested: true } : {}),
        }, deps);
        write(o.json ? json(r) : renderDecision(r));
        kit.exit(r.decision.outcome === "permit" ? 0 : 3);
      });
    });
}

export function registerDeliveryCommands(program: Command, kit: CliKit): void {
  const { withVault, write, readStdin, operator } = kit;
  program
    .command("share")
    .description("decide, prepare (minimum necessary, zip + DICOMDIR), encrypt and send a study; the disclosure is recorded")
    .requiredOption("--study <uid>", "Study Instance UID (or the study's id in the vault)")
    .requiredOption("--to <recipient>", "recipient id in the directory")
    .requiredOption("--purpose <purpose>")
    .requiredOption("--as <user>", "the sender")
    .addOption(new Option("--channel <channel>", "default: S/MIME, else OpenPGP, as the decision allows").choices(["smime", "pgp", "plain-email", "portal", "dicom-push"]))
    .option("--email <address>", "which of the recipient's addresses")
    .addOption(new Option("--smime-profile <p>", "standard: RSA-OAEP + AES-256-CBC; aead: AES-256-GCM; legacy: PKCS#1 v1.5 (gpgsm 2.2)").choices(["standard", "aead", "legacy"]).default("standard"))
    .option("--entire-record")
    .option("--justification <text>")
    .addOption(new Option("--previews <format>", "add a preview of each image, rendered from the pixels that leave").choices(["jpeg", "png"]))
    .option("--photos", "add the patient's photos (of films, screens: kept without metadata) in PHOTO/")
    .option("--passcode-stdin", "portal: read a passcode you will give the recipient by phone from standard input (instead of a code to their mailbox)")
    .option("--expires-days <n>", "portal: days the link lasts (default 7)", (v) => Number.parseInt(v, 10))
    .option("--max-downloads <n>", "portal: downloads allowed (default 3)", (v) => Number.parseInt(v, 10))
    .option("--json")
    .action(async (o: { study: string; to: string; purpose: string; as: string; channel?: string; email?: string; smimeProfile: string; entireRecord?: boolean; justification?: string; passcodeStdin?: boolean; expiresDays?: number; maxDownloads?: number; previews?: "jpeg" | "png"; photos?: boolean; json?: boolean }) => {
      const passcode = o.passcodeStdin ? await readStdin() : undefined;
      await withVault(async (deps) => {
        const user = await deps.users.find(o.as);
        if (!user) throw new RayvaultError(ErrorCode.NotFound, "no such user");
        const { share, runOutbox } = await import("../../app/share.ts");
        const r = await share({
          actor: { id: `user:${user.id}`, roles: user.roles as Role[], mfa: user.mfaRequired }, study: o.study, recipientId: o.to, purpose: o.purpose,
          selection: o.entireRecord ? "entire-record" : "study", smimeProfile: o.smimeProfile, ...(o.channel ? { channel: o.channel } : {}), ...(o.email ? { email: o.email } : {}), ...(o.justification ? { justification: o.justification } : {}),
          ...(passcode !== undefined ? { passcode } : {}), ...(o.expiresDays !== undefined ? { expiresDays: o.expiresDays } : {}), ...(o.maxDownloads !== undefined ? { maxDownloads: o.maxDownloads } : {}),
          ...(o.previews ? { previews: o.previews } : {}), ...(o.photos ? { photos: true } : {}),
        }, deps);
        if (!r.delivery) {
          write(o.json ? json(r) : renderDecision(r.decision));
          kit.exit(3);
          return;
        }
        const sent = r.created ? await runOutbox(deps) : [];
        const mine = sent.find((x) => x.id === r.delivery!.id);
        if (o.json) write(json({ ...r, outbox: sent }));
        else {
          write(renderDecision(r.decision));
          if (r.fellBackToPortal) write(`the message would exceed RAYVAULT_MAIL_MAX_MB: a portal link was sent instead`);
          if (r.link) write(`portal link ${r.link.id} (${r.link.factor}, until ${r.link.expiresAt}); notification:`);
          write(r.created ? `delivery ${r.delivery.id} (${r.delivery.channel}): ${mine?.status ?? (deps.transport ? "queued" : "queued (no RAYVAULT_SMTP_URL configured)")}${mine?.error ? ` — ${mine.error}` : ""}` : `already shared: delivery ${r.delivery.id} is ${r.delivery.status}`);
        }
        kit.exit(mine && mine.status !== "sent" ? 3 : 0);
      });
    });

  const outbox = program.command("outbox").description("the durable outbox of deliveries");
  outbox.command("list").option("--json").action(async (o: { json?: boolean }) => {
    await withVault(async (deps) => {
      const rows = await deps.deliveries.list();
      write(o.json ? json({ deliveries: rows }) : rows.map((d) => `${d.id}  ${d.channel.padEnd(11)} ${d.status.padEnd(9)} attempts ${d.attempts}  to ${d.recipientId}${d.lastError ? `  (${d.lastError})` : ""}`).join("\n") || "no deliveries");
    });
  });
  outbox.command("show").argument("<delivery>").description("one delivery with the reports that came back for it").option("--json").action(async (id: string, o: { json?: boolean }) => {
    await withVault(async (deps) => {
      const d = await deps.deliveries.find(id);
      if (!d) throw new RayvaultError(ErrorCode.NotFound, "no such delivery");
      const reports = await deps.deliveries.reportsOf(id);
      write(o.json ? json({ delivery: d, reports }) : [`${d.id}  ${d.channel}  ${d.status}  attempts ${d.attempts}  to ${d.recipientId}  sent ${d.sentAt ?? "-"}${d.lastError ? `  (${d.lastError})` : ""}`, ...reports.map((r) => `  ${r.receivedAt}  ${r.kind.toUpperCase()} ${r.outcome}${r.statusCode ? ` ${r.statusCode}` : ""}`)].join("\n"));
    });
  });
  outbox.command("run").description("send what is due (retries with backoff)").action(async () => {
    await withVault(async (deps) => {
      const { runOutbox } = await import("../../app/share.ts");
      const r = await runOutbox(deps);
      write(r.map((x) => `${x.id}: ${x.status}${x.error ? ` — ${x.error}` : ""}`).join("\n") || "nothing due");
      kit.exit(r.some((x) => x.status !== "sent") ? 3 : 0);
    });
  });

  const portal = program.command("portal").description("portal links: who opened what, and revocation");
  portal.command("list").option("--json").action(async (o: { json?: boolean }) => {
    await withVault(async (deps) => {
      const links = (await deps.portal.list()).map((l) => ({ id: l.id, recipientId: l.recipientId, factor: l.factor, expiresAt: l.expiresAt, downloads: l.downloads, maxDownloads: l.maxDownloads, revokedAt: l.revokedAt, failedAttempts: l.failedAttempts }));
      write(o.json ? json({ links }) : links.map((l) => `${l.id}  to ${l.recipientId}  ${l.factor}  downloads ${l.downloads}/${l.maxDownloads}  until ${l.expiresAt}${l.revokedAt ? "  REVOKED" : ""}${l.failedAttempts > 0 ? `  wrong codes ${l.failedAttempts}` : ""}`).join("\n") || "no portal links");
    });
  });
  portal.command("revoke").argument("<link>").action(async (id: string) => {
    await withVault(async (deps) => {
      const { revokeLink } = await import("../../app/portal.ts");
      await revokeLink(id, operator, deps);
      write(`link ${id} revoked`);
    });
  });

  program
    .command("accounting")
    .description("the accounting of disclosures for a patient (164.528): the patient's MRN on standard input")
    .option("--all", "every disclosure, not only the accountable ones")
    .option("--json")
    .action(async (o: { all?: boolean; json?: boolean }) => {
      const mrn = await readStdin();
      await withVault(async (deps) => {
        const { accounting } = await import("../../app/accounting.ts");
        const rows = await accounting({ patientMrn: mrn, all: o.all === true, actor: operator }, deps);
        write(o.json ? json({ disclosures: rows }) : rows.map((r) => `${r.date}  ${r.recipient}  ${r.description}  purpose: ${r.purpose} (${r.citation})${r.accountable ? "" : "  [not accountable]"}`).join("\n") || "no disclosures to account for");
      });
    });

  const mail = program.command("mail").description("the clinic's mail identity, the CAs it trusts, and the reports that come back");
  mail
    .command("inbound")
    .description("read one delivery report (a relay's DSN, a recipient's MDN) from standard input — pipe the clinic's bounce address here — and update its delivery; exit 3 when it is not a report or matches no delivery")
    .option("--json")
    .action(async (o: { json?: boolean }) => {
      const raw = await readStdin();
      await withVault(async (deps) => {
        const { receiveReport } = await import("../../app/delivery-reports.ts");
        const r = await receiveReport(raw, deps);
        if (o.json) write(json(r));
        else if (r.status === "recorded") write(`delivery ${r.deliveryId}: ${r.report!.kind.toUpperCase()} ${r.report!.outcome}${r.report!.statusCode ? ` (${r.report!.statusCode})` : ""} → ${r.deliveryStatus}`);
        else write(r.status === "unmatched" ? `a ${r.report!.kind.toUpperCase()} (${r.report!.outcome}) that matches no delivery: recorded in the audit log only` : "not a delivery report (no multipart/report with a DSN or MDN): ignored");
        kit.exit(r.status === "recorded" ? 0 : 3);
      });
    });
  const trust = mail.command("trust").description("trust anchors: the CAs recipients' S/MIME certificates must chain to");
  trust.command("add").argument("<pem>", "CA certificate(s), PEM").action(async (path: string) => {
    await withVault(async (deps) => {
      const fps = deps.clinic.addTrustAnchors(Buffer.from(file(path)).toString("utf8"));
      await deps.audit.append({ time: deps.now(), actor: operator, action: "config.trust-anchor.add", objects: fps.map((f) => `cert:${f.slice(0, 40)}`), purpose: "operations", outcome: "success" });
      write(fps.map((f) => `trusted ${f}`).join("\n"));
    });
  });
  trust.command("add-crl").description("add (or replace) a CA's certificate revocation list; revoked certificates are then refused").argument("<crl>", "CRL, PEM or DER").action(async (path: string) => {
    await withVault(async (deps) => {
      const issuer = deps.clinic.addCrl(file(path));
      await deps.audit.append({ time: deps.now(), actor: operator, action: "config.crl.add", objects: [`crl:${createHash("sha256").update(issuer).digest("hex").slice(0, 16)}`], purpose: "operations", outcome: "success" });
      write(`CRL recorded for ${issuer}`);
    });
  });
  trust.command("list").action(async () => {
    await withVault(async (deps) => {
      const { X509Certificate } = await import("node:crypto");
      write(deps.clinic.trustAnchors().map((d) => { const c = new X509Certificate(d); return `${c.fingerprint256}  ${c.subject.replace(/\n/g, ", ")}  until ${c.validTo}`; }).join("\n") || "no trust anchors");
    });
  });
  mail
    .command("identity")
    .description("install the clinic's S/MIME signing certificate and key (for RAYVAULT_MAIL_FROM), or print its OpenPGP public key")
    .option("--smime-cert <pem>")
    .option("--smime-key <pem>")
    .option("--show-pgp", "print the clinic's OpenPGP public key (made on first use)")
    .action(async (o: { smimeCert?: string; smimeKey?: string; showPgp?: boolean }) => {
      await withVault(async (deps) => {
        if (o.smimeCert || o.smimeKey) {
          if (!o.smimeCert || !o.smimeKey) throw new RayvaultError(ErrorCode.UsageInvalid, "give both --smime-cert and --smime-key");
          deps.clinic.installSmime(Buffer.from(file(o.smimeCert)).toString("utf8"), Buffer.from(file(o.smimeKey)).toString("utf8"));
          await deps.audit.append({ time: deps.now(), actor: operator, action: "key.mail-identity.install", objects: ["key:clinic-smime"], purpose: "operations", outcome: "success" });
          write("S/MIME identity installed");
        }
        if (o.showPgp) {
          const openpgp = await import("openpgp");
          write((await openpgp.readPrivateKey({ armoredKey: await deps.clinic.pgpPrivateKey() })).toPublic().armor());
        }
      });
    });
}

function renderIncident(id: string, a: IncidentAssessment): string {
  const lines = [`incident ${id}: ${a.status.toUpperCase()}${a.notifiable ? " — notifiable" : ""}`];
  for (const r of a.reasons) lines.push(`  ${r}`);
  for (const n of a.notices) lines.push(`  notify ${n.audience} by ${n.due.slice(0, 10)} (${n.citation}): ${n.detail}`);
  for (const m of a.missing) lines.push(`  missing: ${m}`);
  if (a.penalties) lines.push(`  civil penalties in effect (${a.penalties.effective}; ${a.penalties.source.split(":")[0]}): ${a.penalties.tiers.map((t) => `tier ${t.tier} $${t.minPerViolation.toLocaleString("en-US")}–$${t.maxPerViolation.toLocaleString("en-US")}`).join("; ")}`);
  return lines.join("\n");
}
