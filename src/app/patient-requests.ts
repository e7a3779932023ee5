/**
 * @module app/patient-requests
 * The patient's own right-of-access page (164.524): the patient proves who they are — an address the
 * clinic verified for them, their MRN and date of birth must match, then a one-time code mailed to that
 * address (164.514(h)) — and files a request: format, channel, and for unencrypted e-mail the risk
 * warning acknowledged (164.524(c)(2)(ii); 78 FR 5634). The request carries the 30-day clock; the clinic
 * answers through the share (purpose patient-access), usually a portal link. A failed match gets the same
 * answer as a match, so the page cannot be used to learn who is a patient.
 */
import { randomBytes, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import type { AuditEvent } from "../core/audit/audit-chain.ts";
import { blindIndex, decryptField } from "../core/crypto/field-crypto.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { addMinutes } from "../core/policy/dated-rules.ts";
import { parseAddress } from "../core/policy/lookalike.ts";
import type { AccessRequestRow, PatientSigninRow } from "../ports/policy-store.ts";
import { acknowledgePlainEmailWarning, openAccessRequestFor, PLAIN_EMAIL_WARNING } from "./manage-records.ts";
import { queueNotification, saltedHash, type PortalDeps } from "./portal.ts";

const CODE_MINUTES = 10;
const MAX_ATTEMPTS = 5;
const SESSION_MINUTES = 30;
/** Codes one patient's address may be sent in an hour, whoever asks: the page cannot flood a mailbox. */
const MAX_CODES_PER_HOUR = 5;
/** How the identity was checked, as recorded on the request (164.514(h)). */
const PATIENT_IDENTITY_METHOD = "verified address + MRN + date of birth + mailed one-time code";

const ev = (deps: PortalDeps, actor: string, action: string, objects: string[], outcome: AuditEvent["outcome"] = "success"): AuditEvent => ({ time: deps.now(), actor, action, objects, purpose: "patient-request", outcome });

interface Match {
  readonly recipientId: string;
  readonly patientId: string;
  readonly addressId: string;
  readonly studyId: string;
}

/** The patient recipient whose verified address, MRN and date of birth are these (the patient, or their representative). */
async function match(req: { email: string; mrn: string; birthDate: string }, deps: PortalDeps): Promise<Match | undefined> {
  const parsed = parseAddress(req.email.trim());
  const dob = req.birthDate.replace(/-/g, "");
  if (!parsed || !/^\d{8}$/.test(dob) || req.mrn.trim() === "") return undefined;
  const addressIdx = blindIndex(deps.fields, "recipient_addresses.address", `${parsed.local}@${parsed.asciiDomain}`);
  const rows = await deps.index.catalog({ mrnIdx: blindIndex(deps.fields, "patients.mrn", req.mrn.trim()), limit: 1 });
  const row = rows[0];
  if (!row?.birthDateEnc || decryptField(deps.fields, "patients.birth_date", row.birthDateEnc) !== dob) return undefined;
  for (const a of await deps.policy.find("addresses", { addressIdx })) {
    if (a.supersededAt !== null || a.verifiedAt === null) continue;
    const r = await deps.policy.get("recipients", a.recipientId);
    if (r && (r.kind === "patient" || r.kind === "personal-representative") && r.patientId === row.patientId) return { recipientId: r.id, patientId: row.patientId, addressId: a.id, studyId: row.studyId };
  }
  return undefined;
}

/**
 * Step one: the details the patient typed. On a match a code goes to the verified address (at most
 * MAX_CODES_PER_HOUR an hour); either way the answer is an opaque sign-in id, given without waiting for
 * the mail to go, so a mismatch is not told from a match by the answer or by its delay.
 */
export async function startPatientSignin(req: { email: string; mrn: string; birthDate: string }, deps: PortalDeps): Promise<string> {
  const id = `psi-${randomUUID()}`;
  const m = await match(req, deps);
  if (!m) {
    await deps.audit.append(ev(deps, "anonymous", "patient.signin.start", [`signin:${id}`], "failure"));
    return id;
  }
  const now = deps.now();
  const hourAgo = addMinutes(now, -60);
  if ((await deps.policy.find("patientSignins", { recipientId: m.recipientId })).filter((r) => r.createdAt > hourAgo).length >= MAX_CODES_PER_HOUR) {
    await deps.audit.append(ev(deps, `recipient:${m.recipientId}`, "patient.signin.start", [`signin:${id}`, "rule:codes-per-hour"], "refused"));
    return id;
  }
  const code = String(randomInt(0, 100_000_000)).padStart(8, "0");
  const row: PatientSigninRow = { id, recipientId: m.recipientId, patientId: m.patientId, addressId: m.addressId, codeHash: saltedHash(id, code), codeExpiresAt: addMinutes(now, CODE_MINUTES), failedAttempts: 0, sessionHash: null, sessionExpiresAt: null, createdAt: now };
  await deps.policy.insert("patientSignins", row, ev(deps, `recipient:${m.recipientId}`, "patient.signin.start", [`signin:${id}`, `patient:${m.patientId}`]));
  const notification = await queueNotification(
    deps, { id, studyId: m.studyId, recipientId: m.recipientId, addressId: m.addressId, purpose: "patient-access", citation: "164.524", actor: "system:patient-page" },
    "Your one-time code", [`Your one-time code is ${code}.`, "", `It works once, for ${CODE_MINUTES} minutes, to request a copy of your images. Nobody from the clinic will ask you for it.`].join("\n"),
  );
  const { runOutbox } = await import("./share.ts");
  // Sent in the background: a failed send stays in the outbox, retried like any other message.
  void runOutbox(deps, 1, notification.id).catch(() => undefined);
  return id;
}

/** Step two: the code. A right code opens a session of 30 minutes; five wrong ones end the sign-in. */
export async function verifyPatientCode(signinId: string, code: string, deps: PortalDeps): Promise<string> {
  const s = /^psi-[0-9a-f-]{36}$/.test(signinId) ? await deps.policy.get("patientSignins", signinId) : undefined;
  const wrong = new RayvaultError(ErrorCode.AccessDenied, "that code is not right, or it has expired: ask for a new one");
  if (!s || s.codeHash === null || deps.now() >= s.codeExpiresAt) {
    await deps.audit.append(ev(deps, s ? `recipient:${s.recipientId}` : "anonymous", "patient.signin.verify", [`signin:${signinId.slice(0, 44)}`], "failure"));
    throw wrong;
  }
  const locked = new RayvaultError(ErrorCode.StateLocked, "too many wrong codes: start again");
  if (s.failedAttempts >= MAX_ATTEMPTS) throw locked;
  if (!/^\d{8}$/.test(code.trim()) || !timingSafeEqual(Buffer.from(s.codeHash, "hex"), Buffer.from(saltedHash(s.id, code.trim()), "hex"))) {
    // Every wrong code is counted, however many arrive at once: compare-and-set on the count, read again when another got in first.
    for (let seen = s.failedAttempts; seen < MAX_ATTEMPTS; ) {
      if (await deps.policy.updateIf("patientSignins", s.id, { failedAttempts: seen }, { failedAttempts: seen + 1 }, ev(deps, `recipient:${s.recipientId}`, "patient.signin.verify", [`signin:${s.id}`, `attempt:${seen + 1}`], "failure"))) throw wrong;
      seen = (await deps.policy.get("patientSignins", s.id))!.failedAttempts;
    }
    throw locked;
  }
  const session = randomBytes(32).toString("base64url");
  // The code works once, and not once the count has reached the limit in between.
  const opened = await deps.policy.updateIf("patientSignins", s.id, { codeHash: s.codeHash, failedAttempts: s.failedAttempts }, { codeHash: null, sessionHash: saltedHash(s.id, session), sessionExpiresAt: addMinutes(deps.now(), SESSION_MINUTES) },
    ev(deps, `recipient:${s.recipientId}`, "patient.signin.verify", [`signin:${s.id}`, `patient:${s.patientId}`]));
  if (!opened) throw wrong;
  return `${s.id}.${session}`;
}

/** The verified sign-in behind a session cookie, or 401. */
async function signedIn(cookie: string | undefined, deps: PortalDeps): Promise<PatientSigninRow> {
  const [id, session] = (cookie ?? "").split(".");
  const s = id && session && /^psi-[0-9a-f-]{36}$/.test(id) ? await deps.policy.get("patientSignins", id) : undefined;
  if (!s || !session || s.sessionHash === null || s.sessionExpiresAt === null || deps.now() >= s.sessionExpiresAt || !timingSafeEqual(Buffer.from(s.sessionHash, "hex"), Buffer.from(saltedHash(s.id, session), "hex"))) {
    throw new RayvaultError(ErrorCode.AccessDenied, "prove who you are first (the code we mailed you)");
  }
  return s;
}

const PATIENT_FORMATS = ["dicom", "jpeg", "pdf"] as const;
const PATIENT_CHANNELS = ["portal", "plain-email"] as const;

/**
 * Step three: the request. Unencrypted e-mail only with the current warning acknowledged; the request
 * is recorded with its identity check and its 30-day clock.
 */
export async function fileAccessRequest(cookie: string | undefined, req: { format: string; channel: string; acknowledgedWarning?: string }, deps: PortalDeps): Promise<AccessRequestRow> {
  const s = await signedIn(cookie, deps);
  if (!(PATIENT_FORMATS as readonly string[]).includes(req.format)) throw new RayvaultError(ErrorCode.UsageInvalid, `format: ${PATIENT_FORMATS.join(", ")}`);
  if (!(PATIENT_CHANNELS as readonly string[]).includes(req.channel)) throw new RayvaultError(ErrorCode.UsageInvalid, "channel: portal or plain-email");
  if (req.channel === "plain-email" && req.acknowledgedWarning !== PLAIN_EMAIL_WARNING.version) {
    throw new RayvaultError(ErrorCode.UsageInvalid, "unencrypted e-mail needs the risk warning read and acknowledged first");
  }
  const actor = `recipient:${s.recipientId}`;
  const row = await openAccessRequestFor({ actor, patientId: s.patientId, requesterId: s.recipientId, format: req.format, channel: req.channel, identityVerifiedAt: deps.now(), identityMethod: PATIENT_IDENTITY_METHOD }, deps);
  if (req.channel === "plain-email") await acknowledgePlainEmailWarning({ actor, id: row.id, version: PLAIN_EMAIL_WARNING.version }, deps);
  return (await deps.policy.get("accessRequests", row.id))!;
}

/** The signed-in patient's own requests. */
export async function myAccessRequests(cookie: string | undefined, deps: PortalDeps): Promise<AccessRequestRow[]> {
  const s = await signedIn(cookie, deps);
  return deps.policy.find("accessRequests", { patientId: s.patientId, requesterId: s.recipientId });
}
