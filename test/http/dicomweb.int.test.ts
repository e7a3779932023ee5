/**
 * DICOMweb against the standard's response shapes, over plain HTTP to `rayvault start`: QIDO-RS search
 * (DICOM JSON, exact matching by blind index, paging), WADO-RS retrieval (multipart/related of the stored
 * Part 10 files, byte-identical; metadata with BulkDataURIs; frames equal to the pixel data pydicom reads;
 * rendered PNG), STOW-RS (stored through the import use-case, a part of another study refused with
 * 0xA900), and the access rules of every PHI request: no sign-in 401, no purpose 403, a clinician sees
 * only the patients they treat, everything audited. Orthanc's DICOMweb plugin STOWs a study into us.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { ctSliceFile, syntheticPatient } from "../fixtures/synthetic-dicom.ts";
import { datasetOf, multipartParts } from "../helpers/dicom-bytes.ts";
import { freePort, startRayvault, type RunningRayvault } from "../helpers/rayvault-server.ts";
import { BIN, haveTool, runTool, tempDir } from "../helpers/run-cli.ts";

const PASS = "violet tractor lantern quietly 91";
const P = syntheticPatient(81);
const slices = [0, 1, 2].map((i) => ctSliceFile(81, i));
type Json = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>;

/** A multipart/related body of application/dicom parts. */
function stowBody(files: readonly Uint8Array[]): { body: Buffer; type: string } {
  const boundary = "stow-boundary-81";
  const parts = files.flatMap((f) => [Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), Buffer.from(f), Buffer.from("\r\n")]);
  return { body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]), type: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

describe("DICOMweb (QIDO-RS, WADO-RS, STOW-RS)", () => {
  const work = tempDir("dicomweb");
  const home = join(work, "home");
  let server: RunningRayvault;
  const tokens: Record<string, string> = {};
  const children: ChildProcess[] = [];

  const ok = (args: string[], stdin = ""): string => {
    const r = runTool(process.execPath, [BIN, ...args], { env: { ...process.env, RAYVAULT_HOME: home }, input: stdin });
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const web = (path: string, who = "rad", init: { headers?: Record<string, string>; method?: string; body?: Buffer } = {}): Promise<Response> =>
    fetch(`${server.http}/dicomweb${path}`, { method: init.method ?? "GET", headers: { authorization: `Bearer ${tokens[who]!}`, "x-purpose-of-use": "treatment", ...init.headers }, ...(init.body ? { body: init.body } : {}) });

  before(async () => {
    const input = join(work, "in");
    mkdirSync(input);
    slices.forEach((s, i) => writeFileSync(join(input, `s${i}.dcm`), s));
    ok(["import", input, "--purpose", "treatment"]);
    for (const [user, role] of [["rad", "radiologist"], ["doc", "clinician"], ["tech", "technologist"]] as const) {
      ok(["user", "add", user, "--role", role], `${PASS}\n`);
      tokens[user] = ok(["user", "token", user]).trim().split("\n").at(-1)!;
    }
    const port = await freePort();
    server = await startRayvault({ RAYVAULT_HOME: home, RAYVAULT_PORT: String(port), RAYVAULT_PUBLIC_URL: `http://127.0.0.1:${port}` });
  });
  after(async () => {
    for (const c of children) c.kill();
    if (server.child.exitCode === null) await server.stop();
  });

  it("QIDO-RS: finds the study by exact PatientID, in DICOM JSON with the counts and a retrieve URL; no-store", async () => {
    const r = await web(`/studies?PatientID=${P.id}`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /^application\/dicom\+json/);
    assert.equal(r.headers.get("cache-control"), "no-store");
    const [study, ...more] = (await r.json()) as Json[];
    assert.equal(more.length, 0);
    assert.deepEqual(study!["0020000D"], { vr: "UI", Value: [P.studyUid] });
    assert.deepEqual(study!["00100010"], { vr: "PN", Value: [{ Alphabetic: P.name }] });
    assert.deepEqual(study!["00201208"], { vr: "IS", Value: [3] });
    assert.deepEqual(study!["00080061"], { vr: "CS", Value: ["CT"] });
    assert.equal((study!["00081190"]!.Value as string[])[0], `${server.http}/dicomweb/studies/${P.studyUid}`);
    const series = (await (await web(`/studies/${P.studyUid}/series`)).json()) as Json[];
    assert.equal(series.length, 1);
    assert.deepEqual(series[0]!["00201209"], { vr: "IS", Value: [3] });
    const page = (await (await web(`/studies/${P.studyUid}/instances?limit=2&offset=1`)).json()) as Json[];
    assert.equal(page.length, 2, "paged");
    assert.equal((await web("/studies?PatientID=NOBODY")).status, 204);
    const wild = await web("/studies?PatientName=LIND*");
    assert.equal(wild.status, 400);
    assert.match(((await wild.json()) as { message: string }).message, /only exact matching/);
  });

  it("refuses without sign-in (401) or purpose (403); a clinician sees only the patients they treat", async () => {
    assert.equal((await fetch(`${server.http}/dicomweb/studies`)).status, 401);
    const noPurpose = await fetch(`${server.http}/dicomweb/studies`, { headers: { authorization: `Bearer ${tokens["rad"]!}` } });
    assert.equal(noPurpose.status, 403);
    assert.equal((await web("/studies", "doc")).status, 204, "no care relationship: nothing");
    assert.equal((await web(`/studies/${P.studyUid}`, "doc")).status, 404, "and nothing to retrieve, as if absent");
    assert.equal((await web("/studies", "rad", { headers: { "x-purpose-of-use": "marketing" } })).status, 403);
  });

  it("WADO-RS: the study as multipart/related application/dicom, each part the stored file byte for byte", async () => {
    const r = await web(`/studies/${P.studyUid}`);
    assert.equal(r.status, 200);
    const type = r.headers.get("content-type")!;
    assert.match(type, /^multipart\/related; type="application\/dicom"; boundary=/);
    const parts = multipartParts(Buffer.from(await r.arrayBuffer()), type);
    assert.equal(parts.length, 3);
    for (const s of slices) assert.ok(parts.some((p) => p.equals(Buffer.from(s))), "a stored file, as imported");
  });

  it("WADO-RS metadata and frames agree with pydicom; rendered is a PNG of the image's size", async () => {
    const meta = (await (await web(`/studies/${P.studyUid}/metadata`)).json()) as Json[];
    assert.equal(meta.length, 3);
    const first = meta.find((m) => (m["00080018"]!.Value as string[])[0] === `1.2.826.0.1.3680043.9.7433.5.81.1`)!;
    assert.deepEqual(first["00280010"], { vr: "US", Value: [512] });
    assert.deepEqual(first["00100020"], { vr: "LO", Value: [P.id] });
    assert.deepEqual(first["00281052"], { vr: "DS", Value: [-1024] });
    const bulk = first["7FE00010"]!.BulkDataURI!;
    assert.match(bulk, /\/instances\/1\.2\.826\.0\.1\.3680043\.9\.7433\.5\.81\.1\/frames\/1$/);
    const frame = await web(new URL(bulk).pathname.replace(/^\/dicomweb/, ""));
    assert.equal(frame.status, 200);
    const [pixels] = multipartParts(Buffer.from(await frame.arrayBuffer()), frame.headers.get("content-type")!);
    const file = join(work, "slice0.dcm");
    writeFileSync(file, slices[0]!);
    const py = runTool("/usr/bin/python3", ["-c", "import sys, pydicom; sys.stdout.buffer.write(pydicom.dcmread(sys.argv[1]).PixelData)", file]);
    assert.equal(py.status, 0, py.stderr);
    assert.ok(pixels!.equals(Buffer.from(py.stdout, "latin1")), "frame 1 is the pixel data pydicom reads");
    const series = ((await (await web(`/studies/${P.studyUid}/series`)).json()) as Json[])[0]!["0020000E"]!.Value![0] as string;
    const png = await web(`/studies/${P.studyUid}/series/${series}/instances/1.2.826.0.1.3680043.9.7433.5.81.1/rendered`, "rad", { headers: { accept: "image/png" } });
    assert.equal(png.status, 200);
    assert.equal(png.headers.get("content-type"), "image/png");
    const m = await sharp(Buffer.from(await png.arrayBuffer())).metadata();
    assert.equal(m.format, "png");
    assert.equal(m.width, 512);
    assert.equal(m.height, 512);
  });

  it("STOW-RS: a technologist stores two slices through the import use-case; a part of another study is refused (0xA900)", async () => {
    const news = [0, 1].map((i) => ctSliceFile(82, i));
    const { body, type } = stowBody(news);
    const r = await web("/studies", "tech", { method: "POST", body, headers: { "content-type": type } });
    assert.equal(r.status, 200, await r.clone().text());
    const res = (await r.json()) as Json;
    assert.equal((res["00081199"]!.Value as unknown[]).length, 2);
    const found = (await (await web(`/studies/${syntheticPatient(82).studyUid}/instances`)).json()) as Json[];
    assert.equal(found.length, 2);
    const wrong = stowBody([ctSliceFile(83, 0)]);
    const refused = await web(`/studies/${P.studyUid}`, "tech", { method: "POST", body: wrong.body, headers: { "content-type": wrong.type } });
    assert.equal(refused.status, 409);
    const failed = ((await refused.json()) as Json)["00081198"]!.Value as Json[];
    assert.deepEqual(failed[0]!["00081197"], { vr: "US", Value: [0xa900] });
    assert.equal((await web(`/studies/${syntheticPatient(83).studyUid}/instances`)).status, 204, "nothing of it was stored");
    const notAllowed = await web("/studies", "doc", { method: "POST", body, headers: { "content-type": type } });
    assert.equal(notAllowed.status, 403, "a clinician may not import");
  });

  it("takes a STOW from Orthanc's DICOMweb plugin", { skip: haveTool("Orthanc") ? false : "Orthanc not installed" }, async () => {
    const plugin = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";
    if (runTool("test", ["-f", plugin]).status !== 0) return;
    const dir = join(work, "orthanc");
    mkdirSync(dir);
    const [dicomPort, httpPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, "orthanc.json"), JSON.stringify({
      Name: "rayvault-stow", StorageDirectory: join(dir, "db"), IndexDirectory: join(dir, "db"), DicomAet: "ORTHANC", DicomPort: dicomPort, HttpPort: httpPort, RemoteAccessAllowed: false, AuthenticationEnabled: false, Plugins: [plugin],
      DicomWeb: { Enable: true, Root: "/dicom-web/", Servers: { rayvault: { Url: `${server.http}/dicomweb/`, HttpHeaders: { Authorization: `Bearer ${tokens["tech"]!}`, "X-Purpose-Of-Use": "treatment" } } } },
    }));
    const orthanc = spawn("Orthanc", [join(dir, "orthanc.json")], { stdio: "ignore" });
    children.push(orthanc);
    const api = `http://127.0.0.1:${httpPort}`;
    for (let i = 0; i < 100 && !(await fetch(`${api}/system`).then((x) => x.ok, () => false)); i++) await new Promise((ok2) => setTimeout(ok2, 100));
    const uploaded = (await (await fetch(`${api}/instances`, { method: "POST", body: Buffer.from(ctSliceFile(84, 0)) })).json()) as { ID: string; ParentStudy: string };
    const stow = await fetch(`${api}/dicom-web/servers/rayvault/stow`, { method: "POST", body: JSON.stringify({ Resources: [uploaded.ParentStudy] }) });
    assert.equal(stow.status, 200, await stow.clone().text());
    const found = (await (await web(`/studies/${syntheticPatient(84).studyUid}/instances`)).json()) as Json[];
    assert.equal(found.length, 1, "Orthanc's STOW landed in the vault");
    const got = await web(`/studies/${syntheticPatient(84).studyUid}`);
    const [part] = multipartParts(Buffer.from(await got.arrayBuffer()), got.headers.get("content-type")!);
    assert.ok(datasetOf(part!).length > 512 * 512 * 2, "with its pixels");
  });

  it("audits every DICOMweb access with the user, the purpose and the outcome; the API description lists the routes", async () => {
    const api = (await (await fetch(`${server.http}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const p of ["/dicomweb/studies", "/dicomweb/studies/{study}", "/dicomweb/studies/{study}/metadata", "/dicomweb/studies/{study}/series/{series}/instances/{instance}/frames/{frames}", "/dicomweb/studies/{study}/series/{series}/instances/{instance}/rendered"]) assert.ok(api.paths[p], p);
    await server.stop();
    const audit = ok(["audit", "export", "--format", "csv"]);
    for (const action of ["study.search", "study.download", "study.view-metadata", "study.view-images"]) assert.match(audit, new RegExp(`user:[0-9a-f-]+,${action.replace(".", "\\.")},.*treatment,success`));
    assert.match(audit, /user:[0-9a-f-]+,study\.search,.*,refused/);
    assert.equal(audit.includes(P.name.split("^")[0]!), false, "no patient name in the audit log");
  });
});
