/**
 * @module app/manage-directory
 * Use-cases behind `rayvault recipient …`: the directory of who may receive PHI. A recipient has a kind
 * (provider with a checked NPI, health plan, clearinghouse, business associate, patient, personal
 * representative, other), addresses that must be verified before anything goes to them (how, when, by
 * whom), an identity verified under 164.514(h), and delivery keys (S/MIME certificates that chain to a
 * configured trust anchor, OpenPGP v4 keys) bound to a verified address. A new address is compared with every address in the directory and a
 * look-alike is reported by recipient reference. Every change is audited; names and addresses are
 * stored encrypted.
 */
import { randomUUID } from "node:crypto";
import type { AuditEvent } from "../core/audit/audit-chain.ts";
import { blindIndex, decryptField, encryptField, type FieldKeys } from "../core/crypto/field-crypto.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { findLookalike, parseAddress, type LookalikeReason } from "../core/policy/lookalike.ts";
import { isValidNpi } from "../core/policy/npi.ts";
import { isRecipientKind, RecipientKind, VERIFICATION_METHODS } from "../core/policy/vocabulary.ts";
import type { AuditLog } from "../ports/audit-log.ts";
import type { DeliveryKeyKind, DeliveryKeyReader } from "../ports/delivery-key-reader.ts";
import type { ImagingIndex } from "../ports/imaging-index.ts";
import type { AddressRow, KeyRow, PolicyStore, RecipientRow } from "../ports/policy-store.ts";
import type { RandomSource } from "../ports/random.ts";

export interface PolicyDeps {
  readonly policy: PolicyStore;
  readonly index: ImagingIndex;
  readonly audit: AuditLog;
  readonly fields: FieldKeys;
  readonly random: RandomSource;
  readonly keyReader: DeliveryKeyReader;
  /** The CA certificates recipients' S/MIME certificates must chain to, and the CRLs on file. */
  readonly trustAnchors: () => readonly Uint8Array[];
  readonly crls: () => readonly Uint8Array[];
  readonly now: () => string;
}

export { VERIFICATION_METHODS };

const enc = (deps: PolicyDeps, column: string, value: string): string => encryptField(deps.fields, column, value, deps.random.bytes(12));
const event = (deps: PolicyDeps, actor: string, action: string, objects: string[]): AuditEvent => ({ time: deps.now(), actor, action, objects, purpose: "operations", outcome: "success" });

/** The one patient with this MRN (blind index), or a clear error. */
export async function patientByMrn(mrn: string, deps: Pick<PolicyDeps, "index" | "fields">): Promise<string> {
  if (mrn.trim() === "") throw new RayvaultError(ErrorCode.UsageInvalid, "an MRN is required");
  const found = await deps.index.patientsByMrn(blindIndex(deps.fields, "patients.mrn", mrn.trim()));
  if (found.length === 0) throw new RayvaultError(ErrorCode.NotFound, "no patient in the vault has that MRN");
  if (found.length > 1) throw new RayvaultError(ErrorCode.UsageInvalid, "that MRN names several patients (different issuers): resolve them first");
  return found[0]!;
}

export async function recipientById(id: string, deps: PolicyDeps): Promise<RecipientRow> {
  const r = await deps.policy.get("recipients", id);
  if (!r) throw new RayvaultError(ErrorCode.NotFound, "no such recipient");
  return r;
}

export interface AddRecipientRequest {
  readonly actor: string;
  readonly kind: string;
  readonly name: string;
  readonly organization?: string;
  readonly npi?: string;
  /** Patients and representatives: the patient's MRN. */
  readonly patientMrn?: string;
  readonly email?: string;
}

export interface AddressResult {
  readonly addressId: string;
  /** The directory entry the address resembles, by reference (never its value). */
  readonly lookalike?: { readonly recipientId: string; readonly reasons: readonly LookalikeReason[] };
}

export async function addRecipient(req: AddRecipientRequest, deps: PolicyDeps): Promise<{ readonly id: string } & Partial<AddressResult>> {
  if (!isRecipientKind(req.kind)) throw new RayvaultError(ErrorCode.UsageInvalid, `kind must be one of ${Object.values(RecipientKind).join(", ")}`);
  const name = req.name.trim();
  if (name.length < 2) throw new RayvaultError(ErrorCode.UsageInvalid, "a recipient needs a name");
  if (req.npi !== undefined && req.kind !== RecipientKind.Provider) throw new RayvaultError(ErrorCode.UsageInvalid, "only providers have an NPI");
  if (req.npi !== undefined && !isValidNpi(req.npi)) throw new RayvaultError(ErrorCode.UsageInvalid, "the NPI is not valid (10 digits, check digit per 45 CFR 162.406)");
  const needsPatient = req.kind === RecipientKind.Patient || req.kind === RecipientKind.PersonalRepresentative;
  if (needsPatient !== (req.patientMrn !== undefined)) throw new RayvaultError(ErrorCode.UsageInvalid, needsPatient ? "a patient or representative is tied to a patient: give the MRN" : "only patients and representatives are tied to a patient");
  const patientId = req.patientMrn !== undefined ? await patientByMrn(req.patientMrn, deps) : null;
  const id = `rcp-${randomUUID()}`;
  const row: RecipientRow = {
    id, kind: req.kind, nameEnc: enc(deps, "recipients.name", name), nameIdx: blindIndex(deps.fields, "recipients.name", name),
    organizationEnc: req.organization ? enc(deps, "recipients.organization", req.organization) : null, npi: req.npi ?? null, patientId,
    identityVerifiedAt: null, identityVerifiedBy: null, identityMethod: null, lastDisclosedAddressId: null, createdAt: deps.now(), createdBy: req.actor,
  };
  await deps.policy.insert("recipients", row, event(deps, req.actor, "recipient.add", [`recipient:${id}`, ...(patientId ? [`patient:${patientId}`] : [])]));
  if (req.email === undefined) return { id };
  return { id, ...(await addAddress({ actor: req.actor, recipientId: id, email: req.email }, deps)) };
}

/** Every current address in the directory, decrypted, with its recipient (for look-alike checks). */
async function directoryAddresses(deps: PolicyDeps): Promise<Array<{ recipientId: string; address: string }>> {
  const rows = await deps.policy.find("addresses", {});
  return rows.filter((a) => a.supersededAt === null).map((a) => ({ recipientId: a.recipientId, address: decryptField(deps.fields, "recipient_addresses.address", a.addressEnc) }));
}

/** Adds an address (unverified); `replace` supersedes the recipient's current ones. */
export async function addAddress(req: { actor: string; recipientId: string; email: string; replace?: boolean }, deps: PolicyDeps): Promise<AddressResult> {
  const parsed = parseAddress(req.email);
  if (!parsed) throw new RayvaultError(ErrorCode.UsageInvalid, "not an e-mail address");
  await recipientById(req.recipientId, deps);
  const address = `${parsed.local}@${parsed.asciiDomain}`;
  const others = (await directoryAddresses(deps)).filter((d) => d.recipientId !== req.recipientId);
  const flag = findLookalike(address, others.map((o) => o.address));
  const similar = flag ? others.find((o) => o.address === flag.similarTo || parseAddress(o.address)?.domain === flag.similarTo) : undefined;
  const now = deps.now();
  if (req.replace === true) {
    for (const a of (await deps.policy.find("addresses", { recipientId: req.recipientId })).filter((x) => x.supersededAt === null)) {
      await deps.policy.update("addresses", a.id, { supersededAt: now }, event(deps, req.actor, "recipient.address.supersede", [`recipient:${req.recipientId}`, `address:${a.id}`]));
    }
  }
  const id = `adr-${randomUUID()}`;
  const row: AddressRow = {
    id, recipientId: req.recipientId, addressEnc: enc(deps, "recipient_addresses.address", address), addressIdx: blindIndex(deps.fields, "recipient_addresses.address", address),
    verifiedAt: null, verifiedBy: null, verificationMethod: null, supersededAt: null, createdAt: now,
  };
  await deps.policy.insert("addresses", row, event(deps, req.actor, "recipient.address.add", [`recipient:${req.recipientId}`, `address:${id}`, ...(flag ? ["lookalike:flagged"] : [])]));
  return { addressId: id, ...(flag ? { lookalike: { recipientId: similar?.recipientId ?? `provider-domain:${flag.similarTo}`, reasons: flag.reasons } } : {}) };
}

/** The recipient's current address row for an e-mail address (or the only current one). */
export async function currentAddress(recipientId: string, email: string | undefined, deps: PolicyDeps): Promise<AddressRow | undefined> {
  const current = (await deps.policy.find("addresses", { recipientId })).filter((a) => a.supersededAt === null);
  if (email === undefined) return current.length === 1 ? current[0] : current.find((a) => a.verifiedAt !== null) ?? current[0];
  const parsed = parseAddress(email);
  if (!parsed) throw new RayvaultError(ErrorCode.UsageInvalid, "not an e-mail address");
  const idx = blindIndex(deps.fields, "recipient_addresses.address", `${parsed.local}@${parsed.asciiDomain}`);
  return current.find((a) => a.addressIdx === idx);
}

export async function verifyAddress(req: { actor: string; recipientId: string; email?: string; method: string }, deps: PolicyDeps): Promise<string> {
  if (!(VERIFICATION_METHODS as readonly string[]).includes(req.method)) throw new RayvaultError(ErrorCode.UsageInvalid, `method must be one of ${VERIFICATION_METHODS.join(", ")}`);
  const a = await currentAddress(req.recipientId, req.email, deps);
  if (!a) throw new RayvaultError(ErrorCode.NotFound, "the recipient has no such current address");
  await deps.policy.update("addresses", a.id, { verifiedAt: deps.now(), verifiedBy: req.actor, verificationMethod: req.method }, event(deps, req.actor, "recipient.address.verify", [`recipient:${req.recipientId}`, `address:${a.id}`, `method:${req.method}`]));
  return a.id;
}

export async function verifyIdentity(req: { actor: string; recipientId: string; method: string }, deps: PolicyDeps): Promise<void> {
  if (!(VERIFICATION_METHODS as readonly string[]).includes(req.method)) throw new RayvaultError(ErrorCode.UsageInvalid, `method must be one of ${VERIFICATION_METHODS.join(", ")}`);
  await recipientById(req.recipientId, deps);
  await deps.policy.update("recipients", req.recipientId, { identityVerifiedAt: deps.now(), identityVerifiedBy: req.actor, identityMethod: req.method }, event(deps, req.actor, "recipient.identity.verify", [`recipient:${req.recipientId}`, `method:${req.method}`]));
}

/**
 * Adds an S/MIME certificate or OpenPGP key, bound to one of the recipient's verified addresses: refused
 * when it names none of them, cannot encrypt, is outside its validity, or (OpenPGP) is not v4.
 */
export async function addDeliveryKey(req: { actor: string; recipientId: string; kind: DeliveryKeyKind; bytes: Uint8Array; method: string }, deps: PolicyDeps): Promise<{ readonly id: string; readonly fingerprint: string }> {
  if (!(VERIFICATION_METHODS as readonly string[]).includes(req.method)) throw new RayvaultError(ErrorCode.UsageInvalid, `method must be one of ${VERIFICATION_METHODS.join(", ")}`);
  const info = await deps.keyReader.read(req.kind, req.bytes);
  const verified = (await deps.policy.find("addresses", { recipientId: req.recipientId })).filter((a) => a.supersededAt === null && a.verifiedAt !== null);
  const match = verified.find((a) => info.emails.some((e) => decryptField(deps.fields, "recipient_addresses.address", a.addressEnc) === e.toLowerCase()));
  if (!match) throw new RayvaultError(ErrorCode.UsageInvalid, "the key is not for any verified address of this recipient");
  if (!info.canEncrypt) throw new RayvaultError(ErrorCode.UsageInvalid, "the key cannot encrypt (key usage, or no encryption subkey)");
  const now = deps.now();
  if ((info.notBefore && info.notBefore > now) || (info.notAfter && info.notAfter <= now)) throw new RayvaultError(ErrorCode.UsageInvalid, "the key is outside its validity period");
  if (info.kind === "pgp" && info.version !== 4) throw new RayvaultError(ErrorCode.UsageInvalid, `OpenPGP v${info.version ?? "?"} key: GnuPG 2.2 recipients need v4 keys`);
  if (info.kind === "smime") {
    const path = await deps.keyReader.verifyChain(info.chain ?? [], deps.trustAnchors(), new Date(now), deps.crls());
    if (!path.ok) throw new RayvaultError(ErrorCode.UsageInvalid, path.reason ?? "the certificate does not chain to a trusted anchor");
  }
  const id = `key-${randomUUID()}`;
  const row: KeyRow = {
    id, recipientId: req.recipientId, kind: info.kind, fingerprint: info.fingerprint, materialEnc: enc(deps, "recipient_keys.material", info.material), addressIdx: match.addressIdx,
    notBefore: info.notBefore ?? null, notAfter: info.notAfter ?? null, verifiedAt: now, verifiedBy: req.actor, verificationMethod: req.method, revokedAt: null, createdAt: now,
  };
  await deps.policy.insert("keys", row, event(deps, req.actor, "recipient.key.add", [`recipient:${req.recipientId}`, `key:${id}`, `fingerprint:${info.fingerprint.slice(0, 40)}`]));
  return { id, fingerprint: info.fingerprint };
}

/**
 * The delivery keys of a recipient's address that may be used now: verified, not revoked, within their
 * validity. The decision counts them and delivery encrypts to them: one rule for both.
 */
export async function usableKeys(recipientId: string, addressIdx: string, kind: "smime" | "pgp" | undefined, now: string, deps: Pick<PolicyDeps, "policy">): Promise<KeyRow[]> {
  return (await deps.policy.find("keys", { recipientId })).filter((k) =>
    k.addressIdx === addressIdx && (kind === undefined || k.kind === kind) && k.revokedAt === null && k.verifiedAt !== null &&
    (k.notAfter === null || k.notAfter > now) && (k.notBefore === null || k.notBefore <= now));
}

export interface RecipientView {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly organization?: string;
  readonly npi?: string;
  readonly patientId?: string;
  readonly identityVerified?: { readonly at: string; readonly by: string; readonly method: string };
  readonly addresses: ReadonlyArray<{ readonly id: string; readonly address: string; readonly verified?: { readonly at: string; readonly by: string; readonly method: string }; readonly superseded?: string }>;
  readonly keys: ReadonlyArray<{ readonly id: string; readonly kind: string; readonly fingerprint: string; readonly notAfter?: string; readonly addressId?: string }>;
}

/** A recipient as the privacy officer sees it (names and addresses decrypted). */
export async function showRecipient(id: string, deps: PolicyDeps): Promise<RecipientView> {
  const r = await recipientById(id, deps);
  const addresses = await deps.policy.find("addresses", { recipientId: id });
  const keys = await deps.policy.find("keys", { recipientId: id });
  return {
    id, kind: r.kind, name: decryptField(deps.fields, "recipients.name", r.nameEnc),
    ...(r.organizationEnc ? { organization: decryptField(deps.fields, "recipients.organization", r.organizationEnc) } : {}),
    ...(r.npi ? { npi: r.npi } : {}), ...(r.patientId ? { patientId: r.patientId } : {}),
    ...(r.identityVerifiedAt ? { identityVerified: { at: r.identityVerifiedAt, by: r.identityVerifiedBy ?? "?", method: r.identityMethod ?? "?" } } : {}),
    addresses: addresses.map((a) => ({
      id: a.id, address: decryptField(deps.fields, "recipient_addresses.address", a.addressEnc),
      ...(a.verifiedAt ? { verified: { at: a.verifiedAt, by: a.verifiedBy ?? "?", method: a.verificationMethod ?? "?" } } : {}),
      ...(a.supersededAt ? { superseded: a.supersededAt } : {}),
    })),
    keys: keys.filter((k) => k.revokedAt === null).map((k) => ({ id: k.id, kind: k.kind, fingerprint: k.fingerprint, ...(k.notAfter ? { notAfter: k.notAfter } : {}), ...(addresses.find((a) => a.addressIdx === k.addressIdx) ? { addressId: addresses.find((a) => a.addressIdx === k.addressIdx)!.id } : {}) })),
  };
}

export async function listRecipients(deps: PolicyDeps): Promise<Array<{ readonly id: string; readonly kind: string; readonly name: string; readonly verified: boolean }>> {
  return (await deps.policy.find("recipients", {})).map((r) => ({ id: r.id, kind: r.kind, name: decryptField(deps.fields, "recipients.name", r.nameEnc), verified: r.identityVerifiedAt !== null }));
}
