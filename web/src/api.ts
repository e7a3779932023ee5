// Every request to the Rayvault server: fetch wrapper, purpose-of-use header, error shape, XHR upload, response types.

/** Purposes a staff member may declare for reading PHI (the header's "Purpose of use" select). */
export const PURPOSES_OF_USE = ["treatment", "payment", "operations"] as const;
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number];

let purposeOfUse: PurposeOfUse = "treatment";

/** Set by the header select; read at the moment each staff request is sent. */
export function setPurposeOfUse(p: PurposeOfUse): void {
  purposeOfUse = p;
}

export function getPurposeOfUse(): PurposeOfUse {
  return purposeOfUse;
}

let sessionEndedListener: (() => void) | null = null;

/** Called when a staff request answers 401 (the session expired or was closed elsewhere). */
export function onSessionEnded(fn: () => void): () => void {
  sessionEndedListener = fn;
  return () => {
    if (sessionEndedListener === fn) sessionEndedListener = null;
  };
}

/** A refused or failed request; `message` is the server's sentence, safe to show to the user. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: unknown;
  constructor(status: number, code: string, message: string, body: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === "AbortError";
}

/** The sentence to show for any error thrown by a request. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof TypeError) return "Could not reach the server. Check the connection and try again.";
  if (e instanceof Error && e.message) return e.message;
  return "Something went wrong. Try again.";
}

function fallbackMessage(status: number): string {
  if (status === 400) return "The request was not accepted.";
  if (status === 401) return "You are not signed in.";
  if (status === 403) return "You are not allowed to do this.";
  if (status === 404) return "Not found.";
  if (status === 410) return "This is no longer available.";
  if (status === 413) return "This is too large to send.";
  if (status === 429) return "Too many attempts. Wait a little and try again.";
  if (status >= 500) return "The server had a problem. Try again later.";
  return `The request failed (${status}).`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

function errorFrom(status: number, body: unknown): ApiError {
  const code = isRecord(body) && typeof body["error"] === "string" ? body["error"] : `HTTP_${status}`;
  const message = isRecord(body) && typeof body["message"] === "string" && body["message"] ? body["message"] : fallbackMessage(status);
  return new ApiError(status, code, message, body);
}

/** Who is asking: a signed-in staff member (purpose header, session expiry) or a recipient / the sign-in itself. */
type Audience = "staff" | "public";

interface RequestOptions {
  method?: "GET" | "POST";
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal | undefined;
  audience?: Audience;
  accept?: string;
}

async function send(path: string, opts: RequestOptions = {}): Promise<Response> {
  const audience = opts.audience ?? "staff";
  const headers: Record<string, string> = { accept: opts.accept ?? "application/json" };
  if (audience === "staff") headers["x-purpose-of-use"] = purposeOfUse;
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    body = opts.form;
  }
  const res = await fetch(path, {
    method: opts.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    credentials: "same-origin",
    cache: "no-store",
    ...(body !== undefined ? { body } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!res.ok) {
    let parsed: unknown = null;
    if ((res.headers.get("content-type") ?? "").includes("json")) parsed = await res.json().catch(() => null);
    if (res.status === 401 && audience === "staff") sessionEndedListener?.();
    throw errorFrom(res.status, parsed);
  }
  return res;
}

export async function json<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

async function blob(path: string, opts: RequestOptions = {}): Promise<Blob> {
  const res = await send(path, { accept: "*/*", ...opts });
  return res.blob();
}

// ---- Types of the answers -------------------------------------------------------------------

export interface Me {
  userId: string;
  username: string;
  roles: string[];
}

export type LoginOutcome = "bad-credentials" | "locked" | "mfa-required" | "mfa-wrong";

export interface StudySummary {
  id: string;
  patientName: string;
  patientId: string;
  studyDate: string;
  description: string;
  modalities: string[];
  instances: number;
}

export interface InstanceRef {
  id: string;
  kind: "dicom" | "photo";
}

export interface Series {
  id: string;
  modality: string;
  description: string;
  instances: InstanceRef[];
}

export interface Study {
  id: string;
  patientName: string;
  patientId: string;
  studyDate: string;
  description: string;
  series: Series[];
}

export interface Finding {
  where: "header" | "photo-metadata" | "file-name";
  attribute: string;
  kind: string;
  value: string;
}

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BurnedIn {
  width: number;
  height: number;
  regions: Region[];
}

export interface PhiReport {
  findings: Finding[];
  burnedIn?: BurnedIn;
}

export interface UploadedFile {
  name: string;
  status: "imported" | "duplicate" | "refused";
  findings?: number;
  reason?: string;
}

export interface UploadResult {
  files: UploadedFile[];
  studies: string[];
}

export interface CaptureResult {
  /** The stored photo (a reference); photos belong to the patient, not to a study. */
  photo: string;
  status: "imported" | "duplicate";
  findings: number;
}

export interface Recipient {
  id: string;
  kind: string;
  name: string;
  verified: boolean;
}

export interface Rule {
  citation: string;
  reason: string;
}

export interface Decision {
  outcome: "permit" | "deny" | "needs-review";
  permission?: Rule;
  basis: Rule[];
  plan?: { level: string; reason: string; citation: string; remove: string[] };
  channels: string[];
  missing: string[];
  warnings: string[];
  accountable: boolean;
}

export interface DisclosurePreview {
  level: string;
  kept: string[];
  changed: string[];
  removed: string[];
  pixels: string;
}

export interface DecisionResult {
  decision: Decision;
  preview?: DisclosurePreview;
  reviewId?: string;
}

export interface ShareRequest {
  study: string;
  to: string;
  purpose: string;
  channel: string;
}

export interface ShareResult {
  decision: Decision;
  delivery: { id: string; channel: string; status: string };
  fellBackToPortal?: true;
}

export type Timestamp = string | number | null;

export interface Delivery {
  id: string;
  channel: string;
  status: string;
  attempts: number;
  recipientId: string;
  createdAt: Timestamp;
  sentAt: Timestamp;
  lastError: string | null;
}

export interface DeliveryReport {
  kind: string;
  outcome: string;
  statusCode: string | number | null;
  receivedAt: Timestamp;
}

export interface AuditRecord {
  seq: number;
  time: Timestamp;
  actor: string;
  action: string;
  objects: string[];
  purpose: string | null;
  outcome: string;
}

export interface AccountingLine {
  date: Timestamp;
  recipient: string;
  description: string;
  purpose: string;
  citation: string;
  accountable: boolean;
}

export interface PersonRef {
  id: string;
  name: string;
}

/** A patient's right-of-access request (45 CFR 164.524) as the patient sees it. */
export interface PatientAccessRequest {
  id: string;
  receivedAt: Timestamp;
  dueAt: Timestamp;
  format: string;
  channel: string;
  completedAt: Timestamp;
}

/** The same request as the staff see it, with who asked and what was checked. */
export interface AccessRequest extends PatientAccessRequest {
  requester: PersonRef;
  overdue: boolean;
  identityVerified: boolean;
  plainEmailAcknowledged: boolean | null;
}

export interface PlainEmailWarning {
  version: string;
  text: string;
}

export interface NewAccessRequest {
  format: string;
  channel: string;
  acknowledgedWarning?: string;
}

export interface Review {
  id: string;
  studyId: string;
  recipient: PersonRef;
  purpose: string;
  requestedAt: Timestamp;
  outcome: null | "approved" | "refused";
  citation: string | null;
  decidedAt: Timestamp;
}

export interface NewRecipient {
  kind: string;
  name: string;
  organization?: string;
  npi?: string;
  email: string;
  patientMrn?: string;
}

export interface AddedRecipient {
  id: string;
  lookalike?: { recipientId: string; reasons: string[] };
}

/** A business associate agreement (164.504(e)) or data use agreement (164.514(e)) on file. */
export interface Agreement {
  id: string;
  kind: string;
  recipient: PersonRef;
  parties: string;
  scope: string[];
  effectiveAt: Timestamp;
  endsAt: Timestamp;
  terminatedAt: Timestamp;
  inForce: boolean;
  createdAt: Timestamp;
}

export interface NewAgreement {
  recipientId: string;
  kind: string;
  parties: string;
  effective: string;
  ends: string;
  scope: string[];
  document: File;
}

export interface AuthorizationDefect {
  element: string;
  citation: string;
}

export interface AuthorizationVerdict {
  valid: boolean;
  defects: AuthorizationDefect[];
}

/** A patient's authorization (45 CFR 164.508) as the staff see it, with its status now. */
export interface Authorization {
  id: string;
  filedAt: Timestamp;
  description: string;
  recipients: { description: string; named: PersonRef[]; kinds: string[] };
  purposes: string[];
  expiresAt: string | null;
  expirationEvent: string | null;
  signedAt: string | null;
  revokedAt: Timestamp;
  status: "valid" | "defective" | "expired" | "revoked";
  defects: AuthorizationDefect[];
}

/** The 164.508(c) elements of a signed form, as the clinic reads them off the paper; empty text is left out. */
export interface NewAuthorization {
  patientMrn: string;
  description: string;
  scopeFrom: string;
  scopeTo: string;
  studyUids: string[];
  disclosers: string;
  recipientIds: string[];
  recipientKinds: string[];
  recipientDescription: string;
  purposes: string[];
  expiresAt: string;
  expirationEvent: string;
  signedAt: string;
  signedBy: "patient" | "representative";
  representativeAuthority: string;
  remunerationStatement: string;
  statements: { rightToRevoke: boolean; conditioning: boolean; redisclosure: boolean };
  compound: boolean;
  conditionedTreatment: boolean;
  document: File;
}

// ---- Staff session -----------------------------------------------------------------------------

/** null when not signed in (401). */
export async function getMe(signal?: AbortSignal): Promise<Me | null> {
  try {
    return await json<Me>("/api/me", { signal, audience: "public" });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function login(username: string, password: string, totp: string): Promise<{ roles: string[] }> {
  return json("/api/login", { json: { username, password, totp }, audience: "public" });
}

export function completeSetup(token: string, username: string, password: string): Promise<{ userId: string; totpUri: string }> {
  return json("/api/setup", { json: { token, username, password }, audience: "public" });
}

export async function logout(): Promise<void> {
  await send("/api/logout", { method: "POST", audience: "public" });
}

/** Emergency ("break-glass") access for `minutes`; answers when it ends. */
export function declareBreakGlass(reason: string, minutes: number): Promise<{ expiresAt: Timestamp }> {
  return json("/api/break-glass", { json: { reason, minutes } });
}

// ---- Studies and instances ---------------------------------------------------------------------

export async function listStudies(patientId: string, signal?: AbortSignal): Promise<StudySummary[]> {
  // A patient ID is PHI: it goes in the body of a search, never in a URL.
  const r = patientId
    ? await json<{ studies: StudySummary[] }>("/api/studies/search", { json: { patientId }, signal })
    : await json<{ studies: StudySummary[] }>("/api/studies", { signal });
  return r.studies ?? [];
}

export function getStudy(id: string, signal?: AbortSignal): Promise<Study> {
  return json(`/api/studies/${encodeURIComponent(id)}`, { signal });
}

export function getPreview(instanceId: string, signal?: AbortSignal, windowing: "header" | "auto" = "header"): Promise<Blob> {
  return blob(`/api/instances/${encodeURIComponent(instanceId)}/preview${windowing === "auto" ? "?window=auto" : ""}`, { signal, accept: "image/png" });
}

export function getPhi(instanceId: string, pixels: boolean, signal?: AbortSignal): Promise<PhiReport> {
  return json(`/api/instances/${encodeURIComponent(instanceId)}/phi${pixels ? "?pixels=1" : ""}`, { signal });
}

/** multipart upload with progress (fetch has no upload progress): `purpose` first, then one `file` part per file. */
export function uploadFiles(files: readonly File[], purpose: string, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("purpose", purpose);
    for (const f of files) form.append("file", f, f.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/uploads");
    xhr.setRequestHeader("accept", "application/json");
    xhr.setRequestHeader("x-purpose-of-use", purposeOfUse);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? (JSON.parse(xhr.responseText) as unknown) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && isRecord(body)) {
        onProgress(1);
        resolve({ files: (body["files"] as UploadedFile[] | undefined) ?? [], studies: (body["studies"] as string[] | undefined) ?? [] });
        return;
      }
      if (xhr.status === 401) sessionEndedListener?.();
      reject(errorFrom(xhr.status || 500, body));
    };
    xhr.onerror = () => reject(new TypeError("network error"));
    xhr.onabort = () => reject(new DOMException("upload cancelled", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

export function uploadCapture(patientMrn: string, purpose: string, photo: Blob): Promise<CaptureResult> {
  const form = new FormData();
  form.append("patientMrn", patientMrn);
  form.append("purpose", purpose);
  form.append("photo", photo, "capture.jpg");
  return json("/api/captures", { form });
}

// ---- Sharing -------------------------------------------------------------------------------------

export async function searchRecipients(q: string, signal?: AbortSignal): Promise<Recipient[]> {
  // The search text may be a patient's name: in the body, never in the URL.
  const r = await json<{ recipients: Recipient[] }>("/api/recipients/search", { json: { q }, signal });
  return r.recipients ?? [];
}

export function checkDecision(req: ShareRequest): Promise<DecisionResult> {
  return json("/api/decisions", { json: req });
}

export function createShare(req: ShareRequest): Promise<ShareResult> {
  return json("/api/shares", { json: req });
}

/** The refused decision carried by a 403 from /api/shares, if any. */
export function refusedDecision(e: unknown): Decision | null {
  if (!(e instanceof ApiError) || e.status !== 403 || !isRecord(e.body)) return null;
  const d = e.body["decision"];
  return isRecord(d) && typeof d["outcome"] === "string" ? (d as unknown as Decision) : null;
}

export function getDelivery(id: string, signal?: AbortSignal): Promise<{ delivery: Delivery; reports: DeliveryReport[] }> {
  return json(`/api/deliveries/${encodeURIComponent(id)}`, { signal });
}

export function addRecipient(r: NewRecipient): Promise<AddedRecipient> {
  return json("/api/recipients", { json: r });
}

/** Records how a recipient's identity or address was checked. */
export async function verifyRecipient(id: string, what: "identity" | "address", method: string): Promise<void> {
  await json(`/api/recipients/${encodeURIComponent(id)}/verify-${what}`, { json: { method } });
}

// ---- Agreements and authorizations (the signed PDF goes with the form; the MRN only in bodies) ----

/** Form fields in order: text left out when empty, one field per value of a list, ticked boxes as "true"; the document last. */
function formOf(fields: Record<string, string | boolean | readonly string[]>, document: File): FormData {
  const form = new FormData();
  for (const [name, v] of Object.entries(fields)) {
    for (const value of typeof v === "string" ? [v.trim()] : typeof v === "boolean" ? [v ? "true" : ""] : v) if (value) form.append(name, value);
  }
  form.append("document", document, document.name || "signed.pdf");
  return form;
}

export async function listAgreements(signal?: AbortSignal): Promise<Agreement[]> {
  const r = await json<{ agreements: Agreement[] }>("/api/agreements", { signal });
  return r.agreements ?? [];
}

export function addAgreement(a: NewAgreement): Promise<{ id: string }> {
  const { document, ...fields } = a;
  return json("/api/agreements", { form: formOf(fields, document) });
}

/** `at` (YYYY-MM-DD) empty: now. */
export async function terminateAgreement(id: string, at: string): Promise<void> {
  await json(`/api/agreements/${encodeURIComponent(id)}/terminate`, { json: at ? { at } : {} });
}

export async function searchAuthorizations(patientMrn: string, signal?: AbortSignal): Promise<Authorization[]> {
  const r = await json<{ authorizations: Authorization[] }>("/api/authorizations/search", { json: { patientMrn }, signal });
  return r.authorizations ?? [];
}

export function fileAuthorization(a: NewAuthorization): Promise<{ id: string; verdict: AuthorizationVerdict }> {
  const { document, statements, studyUids, recipientIds, recipientKinds, purposes, ...rest } = a;
  const fields = { ...rest, ...statements, studyUid: studyUids, recipientId: recipientIds, recipientKind: recipientKinds, purpose: purposes };
  return json("/api/authorizations", { form: formOf(fields, document) });
}

/** `receivedAt` (an ISO time) empty: now. */
export async function revokeAuthorization(id: string, receivedAt: string): Promise<void> {
  await json(`/api/authorizations/${encodeURIComponent(id)}/revoke`, { json: receivedAt ? { receivedAt } : {} });
}

// ---- Oversight -----------------------------------------------------------------------------------

export async function getAudit(signal?: AbortSignal): Promise<AuditRecord[]> {
  const r = await json<{ records: AuditRecord[] }>("/api/audit?limit=200", { signal });
  return r.records ?? [];
}

/** The MRN travels in the body, never in the URL. */
export async function getAccounting(patientMrn: string, all: boolean, signal?: AbortSignal): Promise<AccountingLine[]> {
  const r = await json<{ lines: AccountingLine[] }>("/api/accounting", { json: { patientMrn, all }, signal });
  return r.lines ?? [];
}

export function getAccountingCsv(patientMrn: string, all: boolean): Promise<Blob> {
  return blob("/api/accounting?format=csv", { json: { patientMrn, all }, accept: "text/csv" });
}

export async function listAccessRequests(signal?: AbortSignal): Promise<AccessRequest[]> {
  const r = await json<{ requests: AccessRequest[] }>("/api/access-requests", { signal });
  return r.requests ?? [];
}

export async function completeAccessRequest(id: string): Promise<void> {
  await json(`/api/access-requests/${encodeURIComponent(id)}/complete`, { json: {} });
}

export async function listReviews(signal?: AbortSignal): Promise<Review[]> {
  const r = await json<{ reviews: Review[] }>("/api/reviews", { signal });
  return r.reviews ?? [];
}

export async function decideReview(id: string, outcome: "approved" | "refused", citation: string, note: string): Promise<void> {
  await json(`/api/reviews/${encodeURIComponent(id)}`, { json: { outcome, citation, note } });
}

// ---- Patient right of access (no staff session, no purpose header; the server sets an HttpOnly cookie) ----

/** Accepted or not, the answer looks the same: an opaque `signin` to send back with the code. */
export function patientSendCode(email: string, mrn: string, birthDate: string): Promise<{ signin: string }> {
  return json("/api/patient/code", { json: { email, mrn, birthDate }, audience: "public" });
}

export function patientVerify(signin: string, code: string): Promise<{ verified: boolean }> {
  return json("/api/patient/verify", { json: { signin, code }, audience: "public" });
}

export function patientWarning(signal?: AbortSignal): Promise<PlainEmailWarning> {
  return json("/api/patient/warning", { signal, audience: "public" });
}

export function patientCreateRequest(req: NewAccessRequest): Promise<{ id: string; dueAt: Timestamp }> {
  return json("/api/patient/requests", { json: req, audience: "public" });
}

export async function patientRequests(signal?: AbortSignal): Promise<PatientAccessRequest[]> {
  const r = await json<{ requests: PatientAccessRequest[] }>("/api/patient/requests", { signal, audience: "public" });
  return r.requests ?? [];
}

// ---- Recipient pickup (no staff session, no purpose header) -------------------------------------

function portalPath(token: string, rest: string): string {
  return `/api/portal/${encodeURIComponent(token)}/${rest}`;
}

export function portalPackageUrl(token: string): string {
  return portalPath(token, "package");
}

export function portalSendCode(token: string): Promise<{ factor: "mailbox" | "passcode" }> {
  return json(portalPath(token, "code"), { method: "POST", audience: "public" });
}

export function portalVerify(token: string, code: string): Promise<{ verified: boolean }> {
  return json(portalPath(token, "verify"), { json: { code }, audience: "public" });
}

export async function portalImages(token: string, signal?: AbortSignal): Promise<{ n: number; width: number; height: number }[]> {
  const r = await json<{ images: { n: number; width: number; height: number }[] }>(portalPath(token, "images"), { signal, audience: "public" });
  return r.images ?? [];
}

export function portalImage(token: string, n: number, signal?: AbortSignal): Promise<Blob> {
  return blob(portalPath(token, `images/${n}`), { signal, audience: "public", accept: "image/png" });
}
