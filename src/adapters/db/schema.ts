/**
 * @module adapters/db/schema
 * The one database schema, for the embedded PGlite default and a PostgreSQL server alike (kept to
 * PostgreSQL 15 features). Migrations in ./migrations are generated from it by drizzle-kit
 * (`npm run db:generate`). Rows hold references and hashes; PHI columns arrive encrypted with #3.
 */
import { bigint, boolean, index, jsonb, pgTable, text } from "drizzle-orm/pg-core";

/** The tamper-evident audit log (core/audit/audit-chain): one row per record, chained by hash. */
export const auditRecords = pgTable("audit_records", {
  seq: bigint("seq", { mode: "number" }).primaryKey(),
  time: text("time").notNull(),
  actor: text("actor").notNull(),
  action: text("action").notNull(),
  objects: jsonb("objects").$type<string[]>().notNull(),
  purpose: text("purpose").notNull(),
  outcome: text("outcome").notNull(),
  prevHash: text("prev_hash").notNull(),
  hash: text("hash").notNull(),
});

/** Signed Merkle checkpoints over the audit log. */
export const auditCheckpoints = pgTable("audit_checkpoints", {
  treeSize: bigint("tree_size", { mode: "number" }).primaryKey(),
  root: text("root").notNull(),
  head: text("head").notNull(),
  time: text("time").notNull(),
  keyId: text("key_id").notNull(),
  signature: text("signature").notNull(),
});

/** Stored vault objects: where the encrypted bytes are, and what they must decrypt to. */
export const blobs = pgTable("blobs", {
  id: text("id").primaryKey(),
  keyId: text("key_id").notNull(),
  size: bigint("size", { mode: "number" }).notNull(),
  sha256: text("sha256").notNull(),
  shredded: boolean("shredded").notNull().default(false),
});

// ---- The imaging index. PHI columns hold field-crypto tokens (*_enc); exact search uses keyed blind
// indexes (*_idx). Codes that identify no one (modality, SOP class) stay in clear.

export const patients = pgTable(
  "patients",
  {
    id: text("id").primaryKey(),
    /** Blind index of the patient key (issuer + id, or name + birth date). */
    keyIdx: text("key_idx").notNull().unique(),
    nameEnc: text("name_enc"),
    nameIdx: text("name_idx"),
    mrnEnc: text("mrn_enc"),
    mrnIdx: text("mrn_idx"),
    birthDateEnc: text("birth_date_enc"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("patients_mrn_idx").on(t.mrnIdx), index("patients_name_idx").on(t.nameIdx)],
);

export const studies = pgTable("studies", {
  id: text("id").primaryKey(),
  patientId: text("patient_id").notNull().references(() => patients.id),
  uidIdx: text("uid_idx").notNull().unique(),
  uidEnc: text("uid_enc").notNull(),
  studyDateEnc: text("study_date_enc"),
  descriptionEnc: text("description_enc"),
  createdAt: text("created_at").notNull(),
});

export const series = pgTable("series", {
  id: text("id").primaryKey(),
  studyId: text("study_id").notNull().references(() => studies.id),
  uidIdx: text("uid_idx").notNull().unique(),
  uidEnc: text("uid_enc").notNull(),
  modality: text("modality"),
});

export const instances = pgTable("instances", {
  id: text("id").primaryKey(),
  seriesId: text("series_id").notNull().references(() => series.id),
  /** Blind index of SOP Instance UID + content hash: the same file imported twice is one instance. */
  identityIdx: text("identity_idx").notNull().unique(),
  sopUidEnc: text("sop_uid_enc").notNull(),
  sopClassUid: text("sop_class_uid"),
  blobId: text("blob_id").notNull().references(() => blobs.id),
  purpose: text("purpose").notNull(),
  importedBy: text("imported_by").notNull(),
  importedAt: text("imported_at").notNull(),
});

/** Workforce users (164.312(a)(2)(i) unique user identification). Secrets are hashes or encrypted. */
export const users = pgTable("users", {
  id: text("id").primaryKey(),
  username: text("username").notNull().unique(),
  roles: jsonb("roles").$type<string[]>().notNull(),
  /** argon2id PHC string. */
  passwordHash: text("password_hash").notNull(),
  /** TOTP secret as a field-crypto token. */
  totpSecretEnc: text("totp_secret_enc"),
  mfaRequired: boolean("mfa_required").notNull(),
  failedAttempts: bigint("failed_attempts", { mode: "number" }).notNull().default(0),
  lockedUntil: text("locked_until"),
  createdAt: text("created_at").notNull(),
});

/** Browser sessions: only a hash of the session token is stored. */
export const sessions = pgTable("sessions", {
  tokenHash: text("token_hash").primaryKey(),
  userId: text("user_id").notNull().references(() => users.id),
  createdAt: text("created_at").notNull(),
  lastSeenAt: text("last_seen_at").notNull(),
  /** Break-glass declared in this session: its reason (operational text, not PHI) and end. */
  breakGlassReason: text("break_glass_reason"),
  breakGlassUntil: text("break_glass_until"),
});

/** One-time links (first administrator setup): only a hash of the token is stored. */
export const setupTokens = pgTable("setup_tokens", {
  tokenHash: text("token_hash").primaryKey(),
  purpose: text("purpose").notNull(),
  expiresAt: text("expires_at").notNull(),
  usedAt: text("used_at"),
});

/** API tokens for integrations (distinct service principals, 164.312(a)(2)(i)): only a hash is stored. */
export const apiTokens = pgTable("api_tokens", {
  id: text("id").primaryKey(),
  userId: text("user_id").notNull().references(() => users.id),
  tokenHash: text("token_hash").notNull().unique(),
  createdAt: text("created_at").notNull(),
  revokedAt: text("revoked_at"),
});

/**
 * Care relationships: which workforce user treats which patient (attending, referring, ordering,
 * consulting), from when until when. The access decision lets a clinician see only these patients.
 */
export const careRelationships = pgTable(
  "care_relationships",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id),
    patientId: text("patient_id").notNull().references(() => patients.id),
    kind: text("kind").notNull(),
    grantedBy: text("granted_by").notNull(),
    startsAt: text("starts_at").notNull(),
    /** Planned end (e.g. the end of an episode of care); null: until ended. */
    endsAt: text("ends_at"),
    endedAt: text("ended_at"),
  },
  (t) => [index("care_relationships_user_patient").on(t.userId, t.patientId)],
);

/**
 * Photos (a film or a screen photographed, a clinical photo): stored with their metadata stripped,
 * attached to a patient. Idempotent by the blind index of the original's content hash.
 */
export const photos = pgTable("photos", {
  id: text("id").primaryKey(),
  patientId: text("patient_id").notNull().references(() => patients.id),
  identityIdx: text("identity_idx").notNull().unique(),
  blobId: text("blob_id").notNull().references(() => blobs.id),
  /** image/jpeg, image/png… of the stored (cleaned) photo. */
  mediaType: text("media_type").notNull(),
  /** How the metadata was removed: lossless-strip, or the re-encoding. */
  cleaning: text("cleaning").notNull(),
  /** PHI findings in the original's metadata (counted, never stored). */
  findings: bigint("findings", { mode: "number" }).notNull(),
  purpose: text("purpose").notNull(),
  importedBy: text("imported_by").notNull(),
  importedAt: text("imported_at").notNull(),
});

/** Security alerts (core/alerts): references only; acknowledged by an officer; pushed to a webhook. */
export const alerts = pgTable("alerts", {
  id: text("id").primaryKey(),
  time: text("time").notNull(),
  kind: text("kind").notNull(),
  severity: text("severity").notNull(),
  refs: jsonb("refs").$type<string[]>().notNull(),
  summary: text("summary").notNull(),
  acknowledgedAt: text("acknowledged_at"),
  acknowledgedBy: text("acknowledged_by"),
  deliveredAt: text("delivered_at"),
});

/**
 * Where the stored audit chain starts after records past their retention were pruned: the signed
 * checkpoint (tree size and head) that covered the last pruned record. Empty: the chain starts at 1.
 */
export const auditAnchors = pgTable("audit_anchors", {
  treeSize: bigint("tree_size", { mode: "number" }).primaryKey(),
  head: text("head").notNull(),
  prunedAt: text("pruned_at").notNull(),
});

// ---- The disclosure directory and its records (#4). Names, addresses, free text and forms about a
// patient are field-crypto tokens; references and codes stay in clear.

/** Who may receive: providers, plans, clearinghouses, business associates, patients, representatives, others. */
export const recipients = pgTable("recipients", {
  id: text("id").primaryKey(),
  kind: text("kind").notNull(),
  nameEnc: text("name_enc").notNull(),
  nameIdx: text("name_idx").notNull(),
  organizationEnc: text("organization_enc"),
  /** Providers: the NPI (public registry data, not patient PHI), check digit verified. */
  npi: text("npi"),
  /** Patients and personal representatives: the patient they are or represent. */
  patientId: text("patient_id").references(() => patients.id),
  identityVerifiedAt: text("identity_verified_at"),
  identityVerifiedBy: text("identity_verified_by"),
  identityMethod: text("identity_method"),
  /** The address the last disclosure went to (set by delivery): a different current address is flagged. */
  lastDisclosedAddressId: text("last_disclosed_address_id"),
  createdAt: text("created_at").notNull(),
  createdBy: text("created_by").notNull(),
});

export const recipientAddresses = pgTable(
  "recipient_addresses",
  {
    id: text("id").primaryKey(),
    recipientId: text("recipient_id").notNull().references(() => recipients.id),
    addressEnc: text("address_enc").notNull(),
    addressIdx: text("address_idx").notNull(),
    verifiedAt: text("verified_at"),
    verifiedBy: text("verified_by"),
    verificationMethod: text("verification_method"),
    /** Replaced by a newer address: kept for the "address changed" check and the record. */
    supersededAt: text("superseded_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("recipient_addresses_recipient").on(t.recipientId), index("recipient_addresses_idx").on(t.addressIdx)],
);

/** S/MIME certificates and OpenPGP keys (public material, encrypted: it names the holder). */
export const recipientKeys = pgTable("recipient_keys", {
  id: text("id").primaryKey(),
  recipientId: text("recipient_id").notNull().references(() => recipients.id),
  kind: text("kind").notNull(),
  fingerprint: text("fingerprint").notNull(),
  materialEnc: text("material_enc").notNull(),
  /** Blind index of the e-mail address the key is for. */
  addressIdx: text("address_idx").notNull(),
  notBefore: text("not_before"),
  notAfter: text("not_after"),
  verifiedAt: text("verified_at"),
  verifiedBy: text("verified_by"),
  verificationMethod: text("verification_method"),
  revokedAt: text("revoked_at"),
  createdAt: text("created_at").notNull(),
});

/** Business associate agreements and data use agreements, with the signed document in the vault. */
export const agreements = pgTable("agreements", {
  id: text("id").primaryKey(),
  kind: text("kind").notNull(),
  recipientId: text("recipient_id").notNull().references(() => recipients.id),
  partiesEnc: text("parties_enc").notNull(),
  effectiveAt: text("effective_at").notNull(),
  endsAt: text("ends_at"),
  terminatedAt: text("terminated_at"),
  scope: jsonb("scope").$type<string[]>().notNull(),
  documentBlobId: text("document_blob_id").references(() => blobs.id),
  createdAt: text("created_at").notNull(),
  createdBy: text("created_by").notNull(),
});

/** 164.508 authorizations: the form's fields as an encrypted JSON token, the signed form in the vault. */
export const authorizations = pgTable("authorizations", {
  id: text("id").primaryKey(),
  patientId: text("patient_id").notNull().references(() => patients.id),
  formEnc: text("form_enc").notNull(),
  documentBlobId: text("document_blob_id").references(() => blobs.id),
  revokedAt: text("revoked_at"),
  createdAt: text("created_at").notNull(),
  createdBy: text("created_by").notNull(),
});

/** 164.522(a) restrictions the clinic agreed to (self-pay ones it must). */
export const restrictions = pgTable("restrictions", {
  id: text("id").primaryKey(),
  patientId: text("patient_id").notNull().references(() => patients.id),
  kind: text("kind").notNull(),
  spec: jsonb("spec").$type<Record<string, string[]>>().notNull(),
  agreedAt: text("agreed_at").notNull(),
  terminatedAt: text("terminated_at"),
  createdBy: text("created_by").notNull(),
});

/** 164.524 access requests: who asked, when, the clock, the identity check, the risk warning. */
export const accessRequests = pgTable("access_requests", {
  id: text("id").primaryKey(),
  patientId: text("patient_id").notNull().references(() => patients.id),
  requesterId: text("requester_id").notNull().references(() => recipients.id),
  receivedAt: text("received_at").notNull(),
  dueAt: text("due_at").notNull(),
  extendedAt: text("extended_at"),
  extensionReasonEnc: text("extension_reason_enc"),
  identityVerifiedAt: text("identity_verified_at"),
  format: text("format").notNull(),
  channel: text("channel").notNull(),
  warningVersion: text("warning_version"),
  plainEmailAckAt: text("plain_email_ack_at"),
  completedAt: text("completed_at"),
  createdBy: text("created_by").notNull(),
});

/** The privacy officer's queue: disclosures that need review (164.510, 164.512), approved or refused. */
export const disclosureReviews = pgTable("disclosure_reviews", {
  id: text("id").primaryKey(),
  studyId: text("study_id").notNull().references(() => studies.id),
  recipientId: text("recipient_id").notNull().references(() => recipients.id),
  purpose: text("purpose").notNull(),
  requestedBy: text("requested_by").notNull(),
  requestedAt: text("requested_at").notNull(),
  outcome: text("outcome"),
  citation: text("citation"),
  noteEnc: text("note_enc"),
  decidedBy: text("decided_by"),
  decidedAt: text("decided_at"),
});

/** Incidents: the facts and the four-factor assessment (free text, encrypted). */
export const incidents = pgTable("incidents", {
  id: text("id").primaryKey(),
  kind: text("kind").notNull(),
  discoveredAt: text("discovered_at").notNull(),
  factsEnc: text("facts_enc").notNull(),
  status: text("status").notNull(),
  createdAt: text("created_at").notNull(),
  createdBy: text("created_by").notNull(),
});

// ---- Delivery (#5): the durable outbox and the disclosures it made.

/** One message to deliver: the built message is a vault object; the job moves queued → sending → sent. */
export const deliveries = pgTable("deliveries", {
  id: text("id").primaryKey(),
  /** "message": the study itself (sending it is the disclosure); "notification": a portal link or code, no PHI. */
  kind: text("kind").notNull().default("message"),
  /** Same study, recipient, purpose, channel and decision: one delivery, however often it is asked. */
  idempotencyKey: text("idempotency_key").notNull().unique(),
  messageId: text("message_id").notNull(),
  channel: text("channel").notNull(),
  recipientId: text("recipient_id").notNull().references(() => recipients.id),
  addressId: text("address_id").references(() => recipientAddresses.id),
  /** DICOM push: the recipient's node (the message blob is then the prepared package). */
  nodeId: text("node_id"),
  studyId: text("study_id").notNull().references(() => studies.id),
  purpose: text("purpose").notNull(),
  citation: text("citation").notNull(),
  accountable: boolean("accountable").notNull(),
  messageBlobId: text("message_blob_id").notNull().references(() => blobs.id),
  status: text("status").notNull(),
  attempts: bigint("attempts", { mode: "number" }).notNull().default(0),
  nextAttemptAt: text("next_attempt_at").notNull(),
  lastError: text("last_error"),
  createdAt: text("created_at").notNull(),
  createdBy: text("created_by").notNull(),
  sentAt: text("sent_at"),
}, (t) => [index("deliveries_message_id").on(t.messageId)]);

/**
 * What came back after a message left (#5): delivery status notifications from relays (RFC 3464) and
 * disposition notifications from the recipient's system (RFC 8098, Direct). Outcome and status code
 * only: a report's addresses and diagnostic text are not kept.
 */
export const deliveryReports = pgTable("delivery_reports", {
  id: text("id").primaryKey(),
  deliveryId: text("delivery_id").notNull().references(() => deliveries.id),
  kind: text("kind").notNull(),
  outcome: text("outcome").notNull(),
  statusCode: text("status_code"),
  receivedAt: text("received_at").notNull(),
}, (t) => [index("delivery_reports_delivery").on(t.deliveryId)]);

/** The disclosures made (164.528): what went to whom, when, why; accountable ones are reported. */
export const disclosures = pgTable("disclosures", {
  id: text("id").primaryKey(),
  deliveryId: text("delivery_id").references(() => deliveries.id),
  patientId: text("patient_id").notNull().references(() => patients.id),
  studyId: text("study_id").notNull().references(() => studies.id),
  recipientId: text("recipient_id").notNull().references(() => recipients.id),
  purpose: text("purpose").notNull(),
  citation: text("citation").notNull(),
  descriptionEnc: text("description_enc").notNull(),
  accountable: boolean("accountable").notNull(),
  channel: text("channel").notNull(),
  disclosedAt: text("disclosed_at").notNull(),
});

/**
 * Portal links (#5): the recipient proves who they are before anything is shown. Only hashes of the link
 * token, the one-time code and the pickup session are stored; the package waits encrypted in the vault.
 */
export const portalLinks = pgTable("portal_links", {
  id: text("id").primaryKey(),
  tokenHash: text("token_hash").notNull().unique(),
  studyId: text("study_id").notNull().references(() => studies.id),
  recipientId: text("recipient_id").notNull().references(() => recipients.id),
  addressId: text("address_id").notNull().references(() => recipientAddresses.id),
  purpose: text("purpose").notNull(),
  citation: text("citation").notNull(),
  accountable: boolean("accountable").notNull(),
  packageBlobId: text("package_blob_id").notNull().references(() => blobs.id),
  /** "mailbox": a code sent to the verified address; "passcode": one the sender passes by phone. */
  factor: text("factor").notNull(),
  passcodeHash: text("passcode_hash"),
  codeHash: text("code_hash"),
  codeExpiresAt: text("code_expires_at"),
  failedAttempts: bigint("failed_attempts", { mode: "number" }).notNull().default(0),
  /** One-time codes sent for this link: limited, so the link cannot be used to flood the mailbox. */
  codesIssued: bigint("codes_issued", { mode: "number" }).notNull().default(0),
  /** The share that made the link: the same share again gets this link while it is still usable. */
  shareKey: text("share_key"),
  sessionHash: text("session_hash"),
  expiresAt: text("expires_at").notNull(),
  maxDownloads: bigint("max_downloads", { mode: "number" }).notNull(),
  downloads: bigint("downloads", { mode: "number" }).notNull().default(0),
  revokedAt: text("revoked_at"),
  createdAt: text("created_at").notNull(),
  createdBy: text("created_by").notNull(),
});

/**
 * A patient proving who they are on the right-of-access page (#6): matched on a verified address, the MRN
 * and the date of birth, then a one-time code mailed to that address; the session that follows may file
 * access requests for that patient only.
 */
export const patientSignins = pgTable("patient_signins", {
  id: text("id").primaryKey(),
  recipientId: text("recipient_id").notNull().references(() => recipients.id),
  patientId: text("patient_id").notNull().references(() => patients.id),
  addressId: text("address_id").notNull().references(() => recipientAddresses.id),
  codeHash: text("code_hash"),
  codeExpiresAt: text("code_expires_at").notNull(),
  failedAttempts: bigint("failed_attempts", { mode: "number" }).notNull().default(0),
  sessionHash: text("session_hash"),
  sessionExpiresAt: text("session_expires_at"),
  createdAt: text("created_at").notNull(),
});

// ---- The DICOM network (#8): the nodes we take images from and push them to, and the routing rules.

/**
 * A DICOM application entity: a modality or PACS that may store to us (`inbound`), and/or a recipient's
 * node we may push to (`recipientId`). Names, AE titles and addresses are the clinic's equipment, not PHI.
 * Plain TCP to a node is allowed only on a network the operator attested as private (a LAN or VPN).
 */
export const dicomNodes = pgTable("dicom_nodes", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  aeTitle: text("ae_title").notNull(),
  host: text("host"),
  port: bigint("port", { mode: "number" }),
  tls: boolean("tls").notNull().default(false),
  privateNetwork: boolean("private_network").notNull().default(false),
  inbound: boolean("inbound").notNull().default(false),
  recipientId: text("recipient_id").references(() => recipients.id),
  createdAt: text("created_at").notNull(),
  createdBy: text("created_by").notNull(),
  removedAt: text("removed_at"),
}, (t) => [index("dicom_nodes_ae").on(t.aeTitle), index("dicom_nodes_recipient").on(t.recipientId)]);

/** "When a study arrives from node X, share it with recipient Y for purpose P by channel C" (each share still decided). */
export const routingRules = pgTable("routing_rules", {
  id: text("id").primaryKey(),
  fromNodeId: text("from_node_id").notNull().references(() => dicomNodes.id),
  recipientId: text("recipient_id").notNull().references(() => recipients.id),
  purpose: text("purpose").notNull(),
  channel: text("channel"),
  createdAt: text("created_at").notNull(),
  createdBy: text("created_by").notNull(),
  removedAt: text("removed_at"),
});

/** Rate-limit windows (#6), shared by every server instance: the key is a hash of the client address and the route. */
export const rateCounters = pgTable("rate_counters", {
  key: text("key").primaryKey(),
  count: bigint("count", { mode: "number" }).notNull(),
  resetAt: bigint("reset_at", { mode: "number" }).notNull(),
});
