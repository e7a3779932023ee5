/**
 * The DICOM listener against real peers (dcmtk): echoscu and storescu push into `rayvault start` with
 * RAYVAULT_DICOM_PORT set — a multi-file CT study, several transfer syntaxes kept as sent, a wrong
 * calling or called AE refused at association, a query service it does not offer refused by presentation
 * context, a data set the vault must not take refused with its DIMSE status. What arrived is read back
 * through DICOMweb: the data sets are byte-identical, the calling AE is recorded. Kill -9 during an
 * association: after restart every acknowledged image is there, none twice.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ctSliceFile, part10, syntheticPatient } from "../fixtures/synthetic-dicom.ts";
import { BIN, HAVE_SHARED_DATA, SHARED_DATA, haveTool, runCli, runTool, tempDir } from "../helpers/run-cli.ts";
import { freePort, startRayvault, type RunningRayvault } from "../helpers/rayvault-server.ts";
import { datasetOf, multipartParts } from "../helpers/dicom-bytes.ts";

const PASS = "violet tractor lantern quietly 91";

describe("DICOM listener (C-ECHO, C-STORE) with dcmtk", { skip: haveTool("storescu") && haveTool("echoscu") ? false : "dcmtk needed" }, () => {
  const work = tempDir("scp");
  const home = join(work, "home");
  const env = { RAYVAULT_HOME: home, RAYVAULT_DICOM_PORT: "0" };
  const dcmtkEnv = { ...process.env, TCP_NODELAY: "1" };
  let server: RunningRayvault;
  let token = "";
  const slices = Array.from({ length: 12 }, (_, i) => ctSliceFile(61, i));
  const P = syntheticPatient(61);
  const sliceDir = join(work, "ct");

  const cli = (args: string[], stdin?: string): string => {
    const r = stdin === undefined ? runCli(args, { RAYVAULT_HOME: home }) : runTool(process.execPath, [BIN, ...args], { env: { ...process.env, RAYVAULT_HOME: home }, input: stdin });
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const web = async (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${server.http}/dicomweb${path}`, { headers: { authorization: `Bearer ${token}`, "x-purpose-of-use": "treatment", ...headers } });
  /** QIDO until it shows `n` instances of the study (indexing follows the acknowledgement within a moment). */
  const instancesOf = async (study: string, atLeast: number): Promise<Array<Record<string, { Value: string[] }>>> => {
    for (let i = 0; ; i++) {
      const r = await web(`/studies/${study}/instances`);
      const list = r.status === 200 ? ((await r.json()) as Array<Record<string, { Value: string[] }>>) : [];
      if (list.length >= atLeast || i >= 50) return list;
      await new Promise((ok) => setTimeout(ok, 100));
    }
  };
  const storescu = (files: string[], extra: string[] = [], aet = "CT01", aec = "RAYVAULT") => runTool("storescu", ["-v", ...extra, "-aet", aet, "-aec", aec, "127.0.0.1", String(server.dicomPort), ...files], { env: dcmtkEnv });

  before(async () => {
    mkdirSync(sliceDir);
    slices.forEach((s, i) => writeFileSync(join(sliceDir, `s${String(i).padStart(2, "0")}.dcm`), s));
    cli(["dicom", "node", "add", "--name", "CT room 2", "--ae", "CT01", "--inbound"]);
    cli(["user", "add", "rad", "--role", "radiologist"], `${PASS}\n`);
    token = cli(["user", "token", "rad"]).trim().split("\n").at(-1)!;
    server = await startRayvault(env);
  });
  after(async () => {
    if (server.child.exitCode === null) await server.stop();
  });

  it("answers C-ECHO from a registered calling AE and refuses the others at association", () => {
    assert.equal(runTool("echoscu", ["-aet", "CT01", "-aec", "RAYVAULT", "127.0.0.1", String(server.dicomPort)], { env: dcmtkEnv }).status, 0);
    const stranger = runTool("echoscu", ["-aet", "LAPTOP", "-aec", "RAYVAULT", "127.0.0.1", String(server.dicomPort)], { env: dcmtkEnv });
    assert.notEqual(stranger.status, 0);
    assert.match(stranger.stdout + stranger.stderr, /Calling AE Title Not Recognized/);
    const wrongCalled = runTool("echoscu", ["-aet", "CT01", "-aec", "PACS", "127.0.0.1", String(server.dicomPort)], { env: dcmtkEnv });
    assert.notEqual(wrongCalled.status, 0);
    assert.match(wrongCalled.stdout + wrongCalled.stderr, /Called AE Title Not Recognized/);
  });

  it("stores a 12-slice CT study from storescu; the data sets read back through DICOMweb are byte-identical, the calling AE recorded", async () => {
    const files = slices.map((_, i) => join(sliceDir, `s${String(i).padStart(2, "0")}.dcm`));
    const r = storescu(files);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal((r.stdout + r.stderr).match(/Received Store Response \(Success\)/g)?.length, 12);
    const found = await instancesOf(P.studyUid, 12);
    assert.equal(found.length, 12, "12 instances indexed");
    const multipart = await web(`/studies/${P.studyUid}`);
    assert.equal(multipart.status, 200);
    const parts = multipartParts(Buffer.from(await multipart.arrayBuffer()), multipart.headers.get("content-type")!);
    assert.equal(parts.length, 12);
    const sent = new Set(slices.map((s) => Buffer.from(datasetOf(s)).toString("base64")));
    for (const p of parts) {
      assert.ok(sent.has(Buffer.from(datasetOf(p)).toString("base64")), "a stored data set is exactly one that was sent");
      assert.match(p.subarray(0, 400).toString("latin1"), /CT01/, "Source Application Entity Title is the calling AE");
    }
  });

  it("keeps each transfer syntax as sent (JPEG-LS, JPEG 2000, RLE, JPEG baseline): no transcoding", { skip: HAVE_SHARED_DATA ? false : "../shared/data absent" }, async () => {
    const cases: Array<[string, string, string]> = [
      ["dicom/cornerstone/CTImage.dcm_JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm", "-xt", "1.2.840.10008.1.2.4.80"],
      ["dicom/pydicom-data/RG3_J2KR.dcm", "-xv", "1.2.840.10008.1.2.4.90"],
      ["dicom/cornerstone/CTImage.dcm_RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm", "-xr", "1.2.840.10008.1.2.5"],
      ["dicom/pydicom/SC_rgb_jpeg_dcmtk.dcm", "-xy", "1.2.840.10008.1.2.4.50"],
    ];
    // storescu re-encodes a file as it sends it (sequence lengths, say), so the reference is what dcmtk's
    // own storescp receives from it, written bit-preserving (+B).
    const refPort = String(await freePort());
    const refDir = join(work, "storescp");
    mkdirSync(refDir);
    const storescp = spawn("storescp", ["+B", "+xa", "-od", refDir, refPort], { env: dcmtkEnv, stdio: "ignore" });
    for (let i = 0; i < 50 && runTool("echoscu", ["127.0.0.1", refPort], { env: dcmtkEnv }).status !== 0; i++) await new Promise((ok) => setTimeout(ok, 100));
    try {
      for (const [rel, option, ts] of cases) {
        const file = join(SHARED_DATA, "dev", rel);
        assert.ok(existsSync(file), rel);
        const r = storescu([file], [option]);
        assert.equal(r.status, 0, `${rel}: ${r.stdout}${r.stderr}`);
        assert.match(r.stdout + r.stderr, /Received Store Response \(Success\)/);
        for (const f of readdirSync(refDir)) rmSync(join(refDir, f));
        const toRef = runTool("storescu", [option, "127.0.0.1", refPort, file], { env: dcmtkEnv });
        assert.equal(toRef.status, 0, toRef.stdout + toRef.stderr);
        const refFile = readdirSync(refDir)[0];
        assert.ok(refFile, `${rel}: storescp received it`);
        const sent = datasetOf(readFileSync(join(refDir, refFile)));
        const dump = runTool("dcmdump", ["+P", "0020,000d", "+P", "0008,0018", file]).stdout;
        const study = /\[([0-9.]+)\]/.exec(dump.split("\n").find((l) => l.includes("(0020,000d)"))!)![1]!;
        const sop = /\[([0-9.]+)\]/.exec(dump.split("\n").find((l) => l.includes("(0008,0018)"))!)![1]!;
        // The cornerstone variants share one SOP Instance UID: each is a distinct instance (content differs).
        let stored: Buffer | undefined;
        for (let i = 0; i < 50 && !stored; i++) {
          for (const inst of (await instancesOf(study, 1)).filter((m) => m["00080018"]?.Value[0] === sop)) {
            const got = await web(new URL(inst["00081190"]!.Value[0]!).pathname.replace(/^\/dicomweb/, ""));
            stored ??= multipartParts(Buffer.from(await got.arrayBuffer()), got.headers.get("content-type")!).find((p) => datasetOf(p).equals(sent));
          }
          if (!stored) await new Promise((ok) => setTimeout(ok, 100));
        }
        assert.ok(stored, `${rel}: the data set is kept byte for byte (as dcmtk's storescp receives it)`);
        assert.ok(stored.subarray(0, 400).toString("latin1").includes(ts), `${rel}: stored in ${ts}`);
      }
    } finally {
      storescp.kill();
    }
  });

  it("refuses what it must: a data set that is not a composite instance (0xC000), a query service it does not offer", () => {
    const noStudy = join(work, "no-study.dcm");
    writeFileSync(noStudy, part10([{ tag: 0x00080016, vr: "UI", value: "1.2.840.10008.5.1.4.1.1.7" }, { tag: 0x00080018, vr: "UI", value: "1.2.826.0.1.3680043.9.7433.99.3" }, { tag: 0x00100010, vr: "PN", value: "DOE^JANE" }], { sopClass: "1.2.840.10008.5.1.4.1.1.7", sopInstance: "1.2.826.0.1.3680043.9.7433.99.3" }));
    const r = storescu([noStudy]);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /Received Store Response \(Error: CannotUnderstand\)/);
    const find = runTool("findscu", ["-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientID=", "-aet", "CT01", "-aec", "RAYVAULT", "127.0.0.1", String(server.dicomPort)], { env: dcmtkEnv });
    assert.notEqual(find.status, 0);
    assert.match(find.stdout + find.stderr, /No Acceptable Presentation Contexts/);
    // Still serving after both.
    assert.equal(runTool("echoscu", ["-aet", "CT01", "-aec", "RAYVAULT", "127.0.0.1", String(server.dicomPort)], { env: dcmtkEnv }).status, 0);
  });

  it("kill -9 during an association: after restart every acknowledged image is there, none twice", async () => {
    const series = 62;
    // Enough slices that storescu is still sending when the server dies, however fast the machine.
    const total = 200;
    const files = Array.from({ length: total }, (_, i) => {
      const f = join(work, `k${String(i).padStart(2, "0")}.dcm`);
      writeFileSync(f, ctSliceFile(series, i));
      return f;
    });
    const child = spawn("storescu", ["-v", "-aet", "CT01", "-aec", "RAYVAULT", "127.0.0.1", String(server.dicomPort), ...files], { env: dcmtkEnv });
    // Listened for from the start: storescu may end before the kill below returns.
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let log = "";
    const acked = (): number => log.match(/Received Store Response \(Success\)/g)?.length ?? 0;
    await new Promise<void>((resolve) => {
      const onData = (d: Buffer): void => {
        log += d.toString();
        if (acked() >= 15) {
          child.stdout.off("data", onData);
          child.stderr.off("data", onData);
          resolve();
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
    });
    await server.kill9();
    await exited;
    const k = acked();
    assert.ok(k >= 15 && k < total, `killed mid-association after ${k} acknowledgements`);
    server = await startRayvault(env);
    const uids = ((await (await web(`/studies/${syntheticPatient(series).studyUid}/instances`)).json()) as Array<Record<string, { Value: string[] }>>).map((x) => x["00080018"]!.Value[0]!);
    assert.equal(new Set(uids).size, uids.length, "no instance twice");
    for (let i = 0; i < k; i++) assert.ok(uids.includes(`1.2.826.0.1.3680043.9.7433.5.${series}.${i + 1}`), `acknowledged slice ${i + 1} is there`);
    assert.ok(uids.length <= k + 1, `at most the one in flight beyond the acknowledged (${uids.length} for ${k})`);
  });

  it("audits each import with the node as the actor, and each refused association", async () => {
    await server.stop();
    const audit = cli(["audit", "export", "--format", "csv"]);
    assert.match(audit, /dicom:node-[0-9a-f-]+,study\.import/);
    assert.match(audit, /ae:LAPTOP,dicom\.associate/);
    assert.equal(audit.includes(P.name.split("^")[0]!), false, "no patient name in the audit log");
  });
});
