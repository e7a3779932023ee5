/**
 * @module app/manage-care
 * Use-cases `rayvault care assign|end|list`: record who treats whom, so the access decision can let a
 * clinician see their own patients without breaking the glass. The patient is named by MRN, found by its
 * blind index (the MRN itself never reaches a log or an audit record); the caller's own right to record
 * care relationships is an access decision like any other, audited when refused.
 */
import { randomUUID } from "node:crypto";
import { Action, decideAccess, type AccessSubject } from "../core/access/decide-access.ts";
import type { AuditEvent } from "../core/audit/audit-chain.ts";
import type { FieldKeys } from "../core/crypto/field-crypto.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import type { AuditLog } from "../ports/audit-log.ts";
import { CareKind, type CareRelationship, type CareTeam } from "../ports/care-team.ts";
import type { ImagingIndex } from "../ports/imaging-index.ts";
import type { UserDirectory } from "../ports/user-directory.ts";
import { patientByMrn } from "./manage-directory.ts";

export interface CareDeps {
  readonly care: CareTeam;
  readonly users: UserDirectory;
  readonly index: ImagingIndex;
  readonly audit: AuditLog;
  readonly fields: FieldKeys;
  readonly now: () => string;
}

export interface CareRequest {
  readonly actor: AccessSubject;
  readonly purpose: string;
  readonly username: string;
  /** The patient's MRN (Patient ID) as imported. */
  readonly mrn: string;
}

const KINDS: ReadonlySet<string> = new Set(Object.values(CareKind));

/** The caller may record care relationships for this purpose, or the refusal is audited and thrown. */
async function authorise(req: CareRequest, deps: CareDeps, action: string): Promise<string> {
  const now = deps.now();
  const d = decideAccess({ subject: req.actor, action: Action.CareAssign, purpose: req.purpose, now });
  if (!d.allowed) {
    await deps.audit.append({ time: now, actor: req.actor.id, action, objects: [`rule:${d.rule}`], purpose: req.purpose.slice(0, 64), outcome: "refused" });
    throw new RayvaultError(ErrorCode.AccessDenied, `${d.reason} (${d.rule}, ${d.citation})`);
  }
  return now;
}

/** The user and the one patient the request names; a clear error for an unknown user or MRN. */
async function resolve(req: CareRequest, deps: CareDeps): Promise<{ userId: string; patientId: string }> {
  const user = await deps.users.find(req.username);
  if (!user) throw new RayvaultError(ErrorCode.NotFound, "no such user");
  return { userId: user.id, patientId: await patientByMrn(req.mrn, deps) };
}

export async function assignCare(req: CareRequest & { readonly kind: string; readonly until?: string }, deps: CareDeps): Promise<CareRelationship> {
  if (!KINDS.has(req.kind)) throw new RayvaultError(ErrorCode.UsageInvalid, `relationship must be one of ${[...KINDS].join(", ")}`);
  if (req.until !== undefined && Number.isNaN(Date.parse(req.until))) throw new RayvaultError(ErrorCode.UsageInvalid, "--until must be a date (YYYY-MM-DD or an ISO time)");
  const now = await authorise(req, deps, "care.assign");
  const { userId, patientId } = await resolve(req, deps);
  const endsAt = req.until === undefined ? null : new Date(req.until).toISOString();
  if (endsAt !== null && endsAt <= now) throw new RayvaultError(ErrorCode.UsageInvalid, "--until is in the past");
  const rel = { id: randomUUID(), userId, patientId, kind: req.kind as CareKind, grantedBy: req.actor.id, startsAt: now, endsAt };
  const audit: AuditEvent = { time: now, actor: req.actor.id, action: "care.assign", objects: [`care:${rel.id}`, `user:${userId}`, `patient:${patientId}`], purpose: req.purpose, outcome: "success" };
  await deps.care.assign(rel, audit);
  return { ...rel, endedAt: null };
}

/** Ends the user's open relationships with the patient; the number ended (0 is not an error). */
export async function endCare(req: CareRequest, deps: CareDeps): Promise<number> {
  const now = await authorise(req, deps, "care.end");
  const { userId, patientId } = await resolve(req, deps);
  const audit: AuditEvent = { time: now, actor: req.actor.id, action: "care.end", objects: [`user:${userId}`, `patient:${patientId}`], purpose: req.purpose, outcome: "success" };
  return deps.care.end(userId, patientId, now, audit);
}

/** A user's relationships (patient references, never PHI). */
export async function listCare(req: Omit<CareRequest, "mrn">, deps: CareDeps): Promise<CareRelationship[]> {
  await authorise({ ...req, mrn: "" }, deps, "care.list");
  const user = await deps.users.find(req.username);
  if (!user) throw new RayvaultError(ErrorCode.NotFound, "no such user");
  return deps.care.list(user.id);
}
