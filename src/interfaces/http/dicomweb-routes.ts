/**
 * @module interfaces/http/dicomweb-routes
 * DICOMweb (PS3.18) on the HTTP server, under /dicomweb: QIDO-RS search (application/dicom+json),
 * WADO-RS retrieval (multipart/related of application/dicom, of frames, or DICOM JSON metadata; rendered
 * JPEG/PNG), STOW-RS storage (multipart/related of application/dicom). Thin: the caller is the signed-in
 * user or an API token, the purpose of use comes in the X-Purpose-Of-Use header, and every decision and
 * audit record is the use-case's (app/dicomweb). No PHI goes in URLs beyond the UIDs the standard puts
 * there; every response is no-store.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { retrieveFrames, retrieveInstances, retrieveMetadata, retrieveRendered, searchInstances, searchSeries, searchStudies, storeInstances, type DicomwebDeps, type SearchQuery } from "../../app/dicomweb.ts";
import type { ImportDeps } from "../../app/import-files.ts";
import type { SessionUser } from "../../app/sessions.ts";
import { ErrorCode, errorCodeOf, safeMessageOf } from "../../core/errors.ts";
import { webCallerOf } from "./request-parts.ts";

const DICOM_JSON = "application/dicom+json";
const STOW_MAX_BYTES = 2 * 1024 * 1024 * 1024 - 1;

function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  const code = errorCodeOf(e);
  const status = code === ErrorCode.AccessDenied ? 403 : code === ErrorCode.UsageInvalid ? 400 : code === ErrorCode.NotFound ? 404 : code === ErrorCode.DicomUnsupportedTransferSyntax ? 406 : 500;
  return reply.code(status).type("application/json").send({ error: code, message: safeMessageOf(e) });
}

/** Splits a multipart body into its parts' bodies (headers dropped); RFC 2046. */
export function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const after = pos + delimiter.length;
    if (body.subarray(after, after + 2).toString("latin1") === "--") break;
    const next = body.indexOf(delimiter, after);
    if (next < 0) break;
    const part = body.subarray(after, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd >= 0) {
      let content = part.subarray(headerEnd + 4);
      if (content.subarray(content.length - 2).toString("latin1") === "\r\n") content = content.subarray(0, content.length - 2);
      parts.push(content);
    }
    pos = next;
  }
  return parts;
}

/** A multipart/related response whose parts are the given bodies, each streamed as it is read. */
function multipart(reply: FastifyReply, type: string, parts: Iterable<{ body: AsyncIterable<Uint8Array> | Uint8Array; type: string }>): FastifyReply {
  const boundary = `rayvault-${randomBytes(12).toString("hex")}`;
  const stream = Readable.from((async function* () {
    for (const p of parts) {
      yield Buffer.from(`--${boundary}\r\nContent-Type: ${p.type}\r\n\r\n`);
      if (p.body instanceof Uint8Array) yield p.body;
      else yield* p.body;
      yield Buffer.from("\r\n");
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  })());
  return reply.header("content-type", `multipart/related; type="${type}"; boundary=${boundary}`).send(stream);
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function searchQuery(q: Record<string, unknown>): SearchQuery {
  const num = (v: unknown): number | undefined => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);
  const pick = (...keys: string[]): string | undefined => keys.map((k) => str(q[k])).find((v) => v !== undefined);
  const studyUid = pick("StudyInstanceUID", "0020000D");
  const seriesUid = pick("SeriesInstanceUID", "0020000E");
  const patientId = pick("PatientID", "00100020");
  const patientName = pick("PatientName", "00100010");
  const modality = pick("ModalitiesInStudy", "00080061", "Modality", "00080060");
  const limit = num(q["limit"]);
  const offset = num(q["offset"]);
  return {
    ...(studyUid ? { studyUid } : {}), ...(seriesUid ? { seriesUid } : {}), ...(patientId ? { patientId } : {}), ...(patientName ? { patientName } : {}), ...(modality ? { modality } : {}),
    ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}),
  };
}

export function registerDicomweb(app: FastifyInstance, deps: DicomwebDeps & ImportDeps & { readonly publicUrl: string }, caller: (req: FastifyRequest) => Promise<SessionUser | undefined>): void {
  const base = `${deps.publicUrl.replace(/\/$/, "")}/dicomweb`;
  /** The caller and their purpose, or an answer already sent. */
  const who = webCallerOf(caller);
  const json = (reply: FastifyReply, body: unknown[]): FastifyReply => (body.length === 0 ? reply.code(204).send() : reply.type(DICOM_JSON).send(body));

  app.addContentTypeParser("multipart/related", { parseAs: "buffer", bodyLimit: STOW_MAX_BYTES }, (_req, body, done) => done(null, body));

  type P = { study: string; series: string; instance: string; frames: string };
  app.get<{ Querystring: Record<string, unknown> }>("/dicomweb/studies", async (req, reply) => {
    const c = await who(req, reply);
    if (!c) return reply;
    try {
      return await json(reply, await searchStudies(c, searchQuery(req.query), base, deps));
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.get<{ Params: P; Querystring: Record<string, unknown> }>("/dicomweb/studies/:study/series", async (req, reply) => {
    const c = await who(req, reply);
    if (!c) return reply;
    try {
      return await json(reply, await searchSeries(c, req.params.study, searchQuery(req.query), base, deps));
    } catch (e) {
      return sendError(reply, e);
    }
  });
  const instances = async (req: FastifyRequest<{ Params: P; Querystring: Record<string, unknown> }>, reply: FastifyReply): Promise<FastifyReply> => {
    const c = await who(req, reply);
    if (!c) return reply;
    try {
      return await json(reply, await searchInstances(c, req.params.study, req.params.series, searchQuery(req.query), base, deps));
    } catch (e) {
      return sendError(reply, e);
    }
  };
  app.get("/dicomweb/studies/:study/instances", instances);
  app.get("/dicomweb/studies/:study/series/:series/instances", instances);

  const retrieve = async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply): Promise<FastifyReply> => {
    const c = await who(req, reply);
    if (!c) return reply;
    const accept = req.headers.accept ?? "";
    if (accept !== "" && !/\*\/\*|multipart\/related|application\/dicom/.test(accept)) return reply.code(406).send({ error: ErrorCode.UsageInvalid, message: 'retrieve as multipart/related; type="application/dicom"' });
    try {
      const files = await retrieveInstances(c, { study: req.params.study, ...(req.params.series ? { series: req.params.series } : {}), ...(req.params.instance ? { instance: req.params.instance } : {}) }, deps);
      return await multipart(reply, "application/dicom", files.map((body) => ({ body, type: "application/dicom" })));
    } catch (e) {
      return sendError(reply, e);
    }
  };
  app.get("/dicomweb/studies/:study", retrieve);
  app.get("/dicomweb/studies/:study/series/:series", retrieve);
  app.get("/dicomweb/studies/:study/series/:series/instances/:instance", retrieve);

  const metadata = async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply): Promise<FastifyReply> => {
    const c = await who(req, reply);
    if (!c) return reply;
    try {
      return await reply.type(DICOM_JSON).send(await retrieveMetadata(c, { study: req.params.study, ...(req.params.series ? { series: req.params.series } : {}), ...(req.params.instance ? { instance: req.params.instance } : {}) }, base, deps));
    } catch (e) {
      return sendError(reply, e);
    }
  };
  app.get("/dicomweb/studies/:study/metadata", metadata);
  app.get("/dicomweb/studies/:study/series/:series/metadata", metadata);
  app.get("/dicomweb/studies/:study/series/:series/instances/:instance/metadata", metadata);

  app.get<{ Params: P }>("/dicomweb/studies/:study/series/:series/instances/:instance/frames/:frames", async (req, reply) => {
    const c = await who(req, reply);
    if (!c) return reply;
    const numbers = req.params.frames.split(",").map((n) => Number(n));
    if (numbers.some((n) => !Number.isInteger(n) || n < 1)) return reply.code(400).send({ error: ErrorCode.UsageInvalid, message: "frame numbers are 1, 2, …" });
    try {
      const r = await retrieveFrames(c, { study: req.params.study, series: req.params.series, instance: req.params.instance }, numbers, deps);
      const type = r.encapsulated ? `application/octet-stream; transfer-syntax=${r.transferSyntaxUid}` : "application/octet-stream";
      return await multipart(reply, "application/octet-stream", r.frames.map((body) => ({ body, type })));
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.get<{ Params: P }>("/dicomweb/studies/:study/series/:series/instances/:instance/rendered", async (req, reply) => {
    const c = await who(req, reply);
    if (!c) return reply;
    const png = /image\/png/.test(req.headers.accept ?? "");
    try {
      const bytes = await retrieveRendered(c, { study: req.params.study, series: req.params.series, instance: req.params.instance }, png ? "png" : "jpeg", deps);
      return await reply.type(png ? "image/png" : "image/jpeg").send(Buffer.from(bytes));
    } catch (e) {
      return sendError(reply, e);
    }
  });

  const stow = async (req: FastifyRequest<{ Params: Partial<P> }>, reply: FastifyReply): Promise<FastifyReply> => {
    const c = await who(req, reply);
    if (!c) return reply;
    const type = req.headers["content-type"] ?? "";
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (!/^multipart\/related/i.test(type) || !boundary || !Buffer.isBuffer(req.body)) return reply.code(415).send({ error: ErrorCode.UsageInvalid, message: 'store as multipart/related; type="application/dicom" with a boundary' });
    try {
      const parts = splitMultipart(req.body, boundary);
      if (parts.length === 0) return await reply.code(400).send({ error: ErrorCode.UsageInvalid, message: "no parts in the request" });
      const r = await storeInstances(c, parts, req.params.study, base, deps);
      const body = {
        ...(req.params.study ? { "00081190": { vr: "UR", Value: [`${base}/studies/${req.params.study}`] } } : {}),
        ...(r.stored.length > 0 ? { "00081199": { vr: "SQ", Value: r.stored.map((s) => ({ "00081150": { vr: "UI", Value: [s.sopClassUid] }, "00081155": { vr: "UI", Value: [s.sopInstanceUid] }, "00081190": { vr: "UR", Value: [s.url] } })) } } : {}),
        ...(r.failed.length > 0 ? { "00081198": { vr: "SQ", Value: r.failed.map((f) => ({ "00081150": { vr: "UI", Value: [f.sopClassUid] }, "00081155": { vr: "UI", Value: [f.sopInstanceUid] }, "00081197": { vr: "US", Value: [f.reason] } })) } } : {}),
      };
      return await reply.code(r.failed.length === 0 ? 200 : r.stored.length === 0 ? 409 : 202).type(DICOM_JSON).send(body);
    } catch (e) {
      return sendError(reply, e);
    }
  };
  app.post("/dicomweb/studies", stow);
  app.post("/dicomweb/studies/:study", stow);
}
