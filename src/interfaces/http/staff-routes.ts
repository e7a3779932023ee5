/**
 * @module interfaces/http/staff-routes
 * The staff portal's API: studies and their previews, the PHI report, uploads (DICOM files, folders,
 * zips) and photo captures streamed into the vault, the recipient directory, agreements and
 * authorizations with their signed PDFs, the audit log and the accounting of disclosures. Thin: the caller is the session (or an API token), the purpose of use comes
 * in X-Purpose-Of-Use, and every decision and audit record is the use-case's. PHI travels only in
 * request and response bodies (never in URLs), and every response is no-store.
 */
import { createWriteStream, mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteGenericInterface } from "fastify";
import multipart, { type MultipartFile } from "@fastify/multipart";
import { ErrorCode, errorCodeOf, RayvaultError, safeMessageOf } from "../../core/errors.ts";
import { listStudies, phiReport, previewInstance, studyDetail } from "../../app/browse-studies.ts";
import type { CleanPixelsDeps } from "../../app/clean-pixels.ts";
import { bodyOf, webCallerOf } from "./request-parts.ts";
import { subjectOf, type DicomwebDeps, type WebCaller } from "../../app/dicomweb.ts";
import { importFiles, type ImportDeps, type ImportReport } from "../../app/import-files.ts";
import type { PolicyDeps } from "../../app/manage-directory.ts";
import { accountingCsv, accountingFor, recentAudit } from "../../app/oversight.ts";
import type { AuthorizationForm } from "../../app/manage-records.ts";
import type { DisclosurePurpose, RecipientKind } from "../../core/policy/vocabulary.ts";
import {
  accessRequestsAs, addAgreementAs, addAuthorizationAs, addRecipientAs, agreementsAs, authorizationsAs, completeAccessRequestAs, decideReviewAs, reviewsAs, revokeAuthorizationAs,
  searchDirectoryAs, terminateAgreementAs, verifyRecipientAs,
} from "../../app/staff-workflows.ts";
import type { SessionUser } from "../../app/sessions.ts";
import type { DeliveryStore } from "../../ports/delivery-store.ts";

export type StaffDeps = DicomwebDeps & ImportDeps & PolicyDeps & { readonly deliveries: DeliveryStore; readonly pixels?: CleanPixelsDeps };

export interface StaffOptions {
  /** Where uploads wait (0700, removed when imported); swept when the server starts. */
  readonly uploadDir: string;
}

/** The largest file an upload may carry, and how many files one upload may hold. */
const MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;
const MAX_FILES = 10_000;
const MAX_PHOTO_BYTES = 40 * 1024 * 1024;
/** A signed agreement or authorization (a scanned PDF), kept in memory until it is in the vault. */
const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;
const MAX_FORM_FIELDS = 60;
const MAX_FIELD_CHARS = 4096;

function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  const code = errorCodeOf(e);
  const status = code === ErrorCode.AccessDenied ? 403 : code === ErrorCode.UsageInvalid ? 400 : code === ErrorCode.NotFound ? 404 : code === ErrorCode.InputTooLarge ? 413 : e instanceof RayvaultError ? 422 : 500;
  return reply.code(status).send({ error: code, message: safeMessageOf(e) });
}

/** A file name from the browser reduced to something safe to write (and to show): no folders, no controls. */
function safeName(n: number, name: string | undefined): string {
  const base = basename((name ?? "").replace(/\\/g, "/")).replace(/[^\w.\- ]/g, "_").slice(0, 80);
  return `${String(n).padStart(5, "0")}-${base === "" || base.startsWith(".") ? "upload" : base}`;
}

/** The import report as the portal shows it: file names as the browser sent them, statuses, counts, reasons. */
function uploadReport(r: ImportReport, names: ReadonlyMap<string, string>): { files: Array<Record<string, unknown>>; studies: string[] } {
  return {
    files: r.files.map((f) => {
      const key = f.path.split(/[\\/]/)[0] ?? f.path;
      return { name: names.get(key) ?? basename(f.path), status: f.status, ...(f.findings !== undefined ? { findings: f.findings } : {}), ...(f.reason ? { reason: f.reason, code: f.code } : {}) };
    }),
    studies: [],
  };
}

/** A form's fields by name (a name may repeat: one value per ticked box) and its one file part, the signed document. */
interface FormWithDocument {
  readonly fields: ReadonlyMap<string, readonly string[]>;
  readonly document: Uint8Array;
}

/** Reads a multipart form with the signed PDF in a part named `document` (at most 20 MB, in memory; never written to disk). */
async function formWithDocument(req: FastifyRequest): Promise<FormWithDocument> {
  const fields = new Map<string, string[]>();
  let document: Uint8Array | undefined;
  try {
    const limits = { fileSize: MAX_DOCUMENT_BYTES, files: 1, fields: MAX_FORM_FIELDS, fieldSize: MAX_FIELD_CHARS, parts: MAX_FORM_FIELDS + 1 };
    for await (const part of req.parts({ limits })) {
      if (part.type === "field") {
        if (part.valueTruncated) throw new RayvaultError(ErrorCode.InputTooLarge, `a field is longer than ${MAX_FIELD_CHARS} characters`);
        fields.set(part.fieldname, [...(fields.get(part.fieldname) ?? []), String(part.value)]);
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      if (part.file.truncated) throw new RayvaultError(ErrorCode.InputTooLarge, `the signed document is larger than ${MAX_DOCUMENT_BYTES / 1024 ** 2} MB`);
      if (part.fieldname !== "document") throw new RayvaultError(ErrorCode.UsageInvalid, "the signed document goes in the part named document");
      document = bytes;
    }
  } catch (e) {
    // The multipart reader's own limits (too many fields or files) answer 413 like ours.
    if (!(e instanceof RayvaultError) && (e as { statusCode?: unknown }).statusCode === 413) throw new RayvaultError(ErrorCode.InputTooLarge, "the form has too many fields or files", { cause: e });
    throw e;
  }
  if (!document) throw new RayvaultError(ErrorCode.UsageInvalid, "the signed document (a PDF) is missing");
  return { fields, document };
}

/** The authorization form from the portal's fields: the 164.508(c) elements, as `rayvault authorization add --form` takes them. */
export function authorizationFormOf(fields: ReadonlyMap<string, readonly string[]>): AuthorizationForm {
  const one = (k: string): string | undefined => {
    const v = fields.get(k)?.[0]?.trim();
    return v ? v : undefined;
  };
  const all = (k: string): string[] => (fields.get(k) ?? []).map((v) => v.trim()).filter((v) => v !== "");
  const yes = (k: string): boolean => one(k) === "true";
  const opt = (k: string, as: string = k): Record<string, string> => (one(k) ? { [as]: one(k)! } : {});
  const signedBy = one("signedBy");
  if (signedBy !== undefined && signedBy !== "patient" && signedBy !== "representative") throw new RayvaultError(ErrorCode.UsageInvalid, "signedBy: patient or representative");
  const studyUids = all("studyUid");
  return {
    patientMrn: one("patientMrn") ?? "",
    description: one("description") ?? "",
    scope: { ...(studyUids.length > 0 ? { studyUids } : {}), ...opt("scopeFrom", "from"), ...opt("scopeTo", "to") },
    disclosers: one("disclosers") ?? "",
    // Kinds and purposes are checked against the closed lists by the use-case.
    recipients: { ids: all("recipientId"), kinds: all("recipientKind") as RecipientKind[], description: one("recipientDescription") ?? "" },
    purposes: all("purpose") as DisclosurePurpose[],
    ...opt("expiresAt"), ...opt("expirationEvent"), ...opt("signedAt"), ...(signedBy ? { signedBy } : {}), ...opt("representativeAuthority"), ...opt("remunerationStatement"),
    statements: { rightToRevoke: yes("rightToRevoke"), conditioning: yes("conditioning"), redisclosure: yes("redisclosure") },
    ...(yes("compound") ? { compound: true } : {}), ...(yes("conditionedTreatment") ? { conditionedTreatment: true } : {}),
  };
}

export function registerStaff(app: FastifyInstance, deps: StaffDeps, options: StaffOptions, callerOf: (req: FastifyRequest) => Promise<SessionUser | undefined>): void {
  void app.register(multipart, { limits: { fileSize: MAX_FILE_BYTES, files: MAX_FILES, fields: 10, fieldSize: 1024, parts: MAX_FILES + 10 } });

  const webCaller = webCallerOf(callerOf);

  /** A staff route's handler: the signed-in caller (401 when there is none), and any error answered as JSON with its code. */
  const asStaff = <R extends RouteGenericInterface>(work: (caller: WebCaller, req: FastifyRequest<R>, reply: FastifyReply) => Promise<FastifyReply>) =>
    async (req: FastifyRequest<R>, reply: FastifyReply): Promise<FastifyReply> => {
      const caller = await webCaller(req, reply);
      if (!caller) return reply;
      try {
        return await work(caller, req, reply);
      } catch (e) {
        return sendError(reply, e);
      }
    };
  type ById = { Params: { id: string } };

  const studies = async (caller: WebCaller, reply: FastifyReply, patientId: string | undefined, limit: string | undefined): Promise<FastifyReply> =>
    reply.send({ studies: await listStudies(caller, { ...(patientId ? { patientId } : {}), ...(limit ? { limit: Number(limit) } : {}) }, deps) });
  app.get<{ Querystring: { limit?: string } }>("/api/studies", asStaff(async (caller, req, reply) => studies(caller, reply, undefined, req.query.limit)));
  // The patient ID is PHI: it comes in the body, never in a URL (which proxies and logs keep).
  app.post("/api/studies/search", asStaff(async (caller, req, reply) => {
    const b = bodyOf(req);
    return studies(caller, reply, typeof b["patientId"] === "string" ? b["patientId"] : undefined, typeof b["limit"] === "number" ? String(b["limit"]) : undefined);
  }));

  app.get<ById>("/api/studies/:id", asStaff(async (caller, req, reply) => reply.send(await studyDetail(caller, req.params.id, deps))));

  app.get<{ Params: { id: string }; Querystring: { size?: string; window?: string } }>("/api/instances/:id/preview", asStaff(async (caller, req, reply) => {
    const size = Math.min(Math.max(Number(req.query.size ?? "1024") || 1024, 64), 2048);
    // The type is set only once there is an image: a refusal goes out as JSON.
    const png = await previewInstance(caller, req.params.id, size, deps, req.query.window === "auto" ? "auto" : "header");
    return reply.type("image/png").send(Buffer.from(png));
  }));

  app.get<{ Params: { id: string }; Querystring: { pixels?: string } }>("/api/instances/:id/phi", asStaff(async (caller, req, reply) => {
    const pixels = req.query.pixels === "1" ? deps.pixels : undefined;
    if (req.query.pixels === "1" && !pixels) throw new RayvaultError(ErrorCode.UsageInvalid, "text recognition is not configured");
    return reply.send(await phiReport(caller, req.params.id, pixels, deps));
  }));

  mkdirSync(options.uploadDir, { recursive: true, mode: 0o700 });
  /**
   * Streams a multipart request's files into a fresh private folder (its fields arrive first: `nameOf`
   * checks them and names each file, or throws), hands the folder to `use`, and removes it whatever happens.
   */
  const receiveFiles = async (
    req: FastifyRequest, reply: FastifyReply, prefix: string, limits: { readonly fileSize: number; readonly files: number; readonly tooLarge: string },
    nameOf: (part: MultipartFile, fields: Readonly<Record<string, string>>, n: number) => string,
    use: (dir: string, fields: Readonly<Record<string, string>>, files: number) => Promise<FastifyReply>,
  ): Promise<FastifyReply> => {
    if (!req.isMultipart()) return reply.code(415).send({ error: ErrorCode.UsageInvalid, message: "send multipart/form-data" });
    const dir = await mkdtemp(join(options.uploadDir, prefix));
    try {
      const fields: Record<string, string> = {};
      let n = 0;
      for await (const part of req.parts({ limits: { fileSize: limits.fileSize, files: limits.files } })) {
        if (part.type === "field") {
          if (part.valueTruncated) throw new RayvaultError(ErrorCode.InputTooLarge, "a form field is too long");
          fields[part.fieldname] = String(part.value);
          continue;
        }
        const name = nameOf(part, fields, ++n);
        await pipeline(part.file, createWriteStream(join(dir, name), { mode: 0o600 }));
        if (part.file.truncated) throw new RayvaultError(ErrorCode.InputTooLarge, limits.tooLarge);
      }
      return await use(dir, fields, n);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  const importRefused = (report: ImportReport, reply: FastifyReply): FastifyReply | undefined =>
    report.refusal ? reply.code(403).send({ error: ErrorCode.AccessDenied, message: `${report.refusal.reason} (${report.refusal.rule})` }) : undefined;

  /**
   * Upload: the `purpose` field first, then the files (DICOM, zips, photos with `patientMrn`). Each file
   * streams to a private folder, the folder is imported like `rayvault import`, and the folder goes.
   */
  app.post("/api/uploads", asStaff(async (caller, req, reply) => {
    const names = new Map<string, string>();
    return receiveFiles(req, reply, "upload-", { fileSize: MAX_FILE_BYTES, files: MAX_FILES, tooLarge: `a file is larger than ${MAX_FILE_BYTES / 1024 ** 3} GiB` }, (part, fields, n) => {
      if (!fields["purpose"]) throw new RayvaultError(ErrorCode.UsageInvalid, "the purpose of use comes before the files");
      const name = safeName(n, part.filename);
      names.set(name, (part.filename || "upload").slice(0, 200));
      return name;
    }, async (dir, fields, n) => {
      if (n === 0) throw new RayvaultError(ErrorCode.UsageInvalid, "no files in the upload");
      const mrn = fields["patientMrn"]?.trim();
      const report = await importFiles({ paths: [dir], purpose: fields["purpose"]!, actor: subjectOf(caller.user), ...(mrn ? { photoPatientMrn: mrn } : {}) }, deps);
      const refused = importRefused(report, reply);
      if (refused) return refused;
      const out = uploadReport(report, names);
      out.studies = await studiesOf(report, deps);
      return reply.send(out);
    });
  }));

  /** A photo taken in the browser: patient and purpose first, then one JPEG; stored without its metadata. */
  app.post("/api/captures", asStaff(async (caller, req, reply) =>
    receiveFiles(req, reply, "capture-", { fileSize: MAX_PHOTO_BYTES, files: 1, tooLarge: `a photo is at most ${MAX_PHOTO_BYTES / 1024 ** 2} MB` }, (part, fields) => {
      if (!fields["patientMrn"]?.trim() || !fields["purpose"]) throw new RayvaultError(ErrorCode.UsageInvalid, "the patient and the purpose come before the photo");
      if (!/^image\/(jpeg|png|heic|heif)$/.test(part.mimetype)) throw new RayvaultError(ErrorCode.UnsupportedInput, "a photo is JPEG, PNG or HEIC");
      return `capture.${part.mimetype === "image/png" ? "png" : part.mimetype === "image/jpeg" ? "jpg" : "heic"}`;
    }, async (dir, fields, n) => {
      if (n === 0) throw new RayvaultError(ErrorCode.UsageInvalid, "no photo in the request");
      const report = await importFiles({ paths: [dir], purpose: fields["purpose"]!, actor: subjectOf(caller.user), photoPatientMrn: fields["patientMrn"]!.trim() }, deps);
      const refused = importRefused(report, reply);
      if (refused) return refused;
      const f = report.files[0];
      if (!f || f.status === "refused") throw new RayvaultError(ErrorCode.UsageInvalid, f?.reason ?? "the photo was not stored");
      return reply.code(201).send({ photo: f.instance, status: f.status, findings: f.findings ?? 0 });
    })));

  // The search text may be a patient's name: it comes in the body, never in a URL.
  app.post("/api/recipients/search", asStaff(async (caller, req, reply) => {
    const q = bodyOf(req)["q"];
    return reply.send({ recipients: await searchDirectoryAs(caller, typeof q === "string" ? q : "", deps) });
  }));

  const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);


  // The directory: a new recipient (with a look-alike check of its address), and how it was verified.
  app.post("/api/recipients", asStaff(async (caller, req, reply) => {
    const b = bodyOf(req);
    const opt = (k: string): Record<string, string> => (text(b[k]) ? { [k]: text(b[k])! } : {});
    const r = await addRecipientAs(caller, { kind: text(b["kind"]) ?? "", name: text(b["name"]) ?? "", ...opt("organization"), ...opt("npi"), ...opt("email"), ...opt("patientMrn") }, deps);
    return reply.code(201).send({ id: r.id, ...(r.lookalike ? { lookalike: r.lookalike } : {}) });
  }));
  for (const what of ["identity", "address"] as const) {
    app.post<ById>(`/api/recipients/:id/verify-${what}`, asStaff(async (caller, req, reply) => {
      await verifyRecipientAs(caller, { recipientId: req.params.id, what, method: text(bodyOf(req)["method"]) ?? "" }, deps);
      return reply.code(204).send();
    }));
  }

  app.get("/api/access-requests", asStaff(async (caller, _req, reply) => reply.send({ requests: await accessRequestsAs(caller, deps) })));
  app.post<ById>("/api/access-requests/:id/complete", asStaff(async (caller, req, reply) => {
    await completeAccessRequestAs(caller, req.params.id, deps);
    return reply.code(204).send();
  }));
  app.get("/api/reviews", asStaff(async (caller, _req, reply) => reply.send({ reviews: await reviewsAs(caller, deps) })));
  app.post<ById>("/api/reviews/:id", asStaff(async (caller, req, reply) => {
    const b = bodyOf(req);
    await decideReviewAs(caller, { id: req.params.id, outcome: text(b["outcome"]) ?? "", citation: text(b["citation"]) ?? "", note: typeof b["note"] === "string" ? b["note"] : "" }, deps);
    return reply.code(204).send();
  }));

  // Business associate and data use agreements (privacy officer): the signed PDF comes with the form.
  app.get("/api/agreements", asStaff(async (caller, _req, reply) => reply.send({ agreements: await agreementsAs(caller, deps) })));
  app.post("/api/agreements", asStaff(async (caller, req, reply) => {
    if (!req.isMultipart()) return reply.code(415).send({ error: ErrorCode.UsageInvalid, message: "send multipart/form-data" });
    const { fields, document } = await formWithDocument(req);
    const one = (k: string): string => fields.get(k)?.[0]?.trim() ?? "";
    const ends = one("ends");
    const scope = (fields.get("scope") ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
    const r = await addAgreementAs(caller, { recipientId: one("recipientId"), kind: one("kind"), parties: one("parties"), effective: one("effective"), ...(ends ? { ends } : {}), scope, document }, deps);
    return reply.code(201).send(r);
  }));
  app.post<ById>("/api/agreements/:id/terminate", asStaff(async (caller, req, reply) => {
    const at = text(bodyOf(req)["at"]);
    await terminateAgreementAs(caller, { id: req.params.id, ...(at ? { at } : {}) }, deps);
    return reply.code(204).send();
  }));

  // Patients' authorizations (front desk, privacy officer): the MRN travels in bodies, never in a URL.
  app.post("/api/authorizations/search", asStaff(async (caller, req, reply) => reply.send({ authorizations: await authorizationsAs(caller, text(bodyOf(req)["patientMrn"]) ?? "", deps) })));
  app.post("/api/authorizations", asStaff(async (caller, req, reply) => {
    if (!req.isMultipart()) return reply.code(415).send({ error: ErrorCode.UsageInvalid, message: "send multipart/form-data" });
    const { fields, document } = await formWithDocument(req);
    const r = await addAuthorizationAs(caller, { form: authorizationFormOf(fields), document }, deps);
    return reply.code(201).send({ id: r.id, verdict: r.verdict });
  }));
  app.post<ById>("/api/authorizations/:id/revoke", asStaff(async (caller, req, reply) => {
    const receivedAt = text(bodyOf(req)["receivedAt"]);
    await revokeAuthorizationAs(caller, { id: req.params.id, ...(receivedAt ? { receivedAt } : {}) }, deps);
    return reply.code(204).send();
  }));

  // The purpose of use is the caller's, as declared (X-Purpose-Of-Use): none declared is refused by the decision.
  app.get<{ Querystring: { limit?: string } }>("/api/audit", asStaff(async (caller, req, reply) => {
    const records = await recentAudit(caller, Number(req.query.limit ?? "200"), deps);
    return reply.send({ records: records.map((r) => ({ seq: r.seq, time: r.time, actor: r.actor, action: r.action, objects: r.objects, purpose: r.purpose, outcome: r.outcome })) });
  }));

  // The MRN travels in the body (never a URL); ?format=csv gives the printable file.
  app.post<{ Querystring: { format?: string } }>("/api/accounting", asStaff(async (caller, req, reply) => {
    const b = bodyOf(req);
    const lines = await accountingFor(caller, { patientMrn: typeof b["patientMrn"] === "string" ? b["patientMrn"] : "", all: b["all"] === true }, deps);
    if (req.query.format === "csv") return reply.type("text/csv; charset=utf-8").header("content-disposition", 'attachment; filename="accounting.csv"').send(accountingCsv(lines));
    return reply.send({ lines });
  }));
}

/** The studies an upload's instances belong to (references), so the portal can open them. */
async function studiesOf(r: ImportReport, deps: StaffDeps): Promise<string[]> {
  // One lookup per study, not per file (an upload is usually many slices of one study).
  const ids: string[] = [];
  for (const idx of new Set(r.files.flatMap((f) => (f.studyIdx ? [f.studyIdx] : [])))) {
    const s = await deps.index.findStudy({ uidIdx: idx });
    if (s) ids.push(s.id);
  }
  return ids;
}
