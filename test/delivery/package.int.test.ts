/**
 * The package that leaves: a zip whose DICOMDIR pydicom follows to every file, dcmdump reads and
 * dciodvfy validates as a Basic Directory without error, names
 * without PHI, the files byte-identical to the vault's for a full plan; for a payment plan the removed
 * attributes are gone (dcmdump) and the rest is intact; previews are the pixels that leave, as dcmtk's
 * dcmj2pnm renders them; a de-identified plan is refused until pixel cleaning exists (fail closed).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { after, before, describe, it } from "node:test";
import { packageStudy } from "../../src/app/prepare-package.ts";
import { studyRef } from "../../src/app/manage-records.ts";
import { vaultDeps, type VaultDeps } from "../../src/config/compose-vault.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { deidentifiedPlan, fullPlan, paymentPlan } from "../../src/core/policy/minimum-necessary.ts";
import { ctSliceFile, syntheticPatient } from "../fixtures/synthetic-dicom.ts";
import { BIN, haveTool, runCli, runTool, tempDir } from "../helpers/run-cli.ts";
import { dicomRenderer } from "../../src/adapters/imaging/dicom-renderer.ts";

const CHECK = new URL("../helpers/dicomdir-check.py", import.meta.url).pathname;

describe("study packages", { skip: haveTool("dcmdump") ? false : "dcmtk not installed" }, () => {
  const home = tempDir("package");
  const inputs = tempDir("package-in");
  const originals = [0, 1, 2].map((i) => ctSliceFile(7, i));
  let deps: VaultDeps;
  let study = "";

  before(async () => {
    originals.forEach((b, i) => writeFileSync(join(inputs, `slice${i}.dcm`), b));
    assert.equal(runCli(["import", inputs, "--purpose", "treatment"], { RAYVAULT_HOME: home }).status, 0);
    // A phone photo of a film of the same patient, with a camera's metadata (stripped on import).
    const { default: sharp } = await import("sharp");
    const photoDir = tempDir("package-photo");
    const photo = join(photoDir, "IMG_0007.jpg");
    await sharp({ create: { width: 64, height: 48, channels: 3, background: "#777" } }).jpeg().toFile(photo);
    assert.equal(runTool("exiftool", ["-overwrite_original", "-GPSLatitude=41.88", "-GPSLatitudeRef=N", "-Make=Apple", "-Model=iPhone 15", photo]).status, 0);
    const imported = spawnSync(process.execPath, [BIN, "import", photo, "--purpose", "treatment", "--photo-patient-stdin"], { input: `${syntheticPatient(7).id}\n`, env: { ...process.env, RAYVAULT_HOME: home }, encoding: "utf8" });
    assert.equal(imported.status, 0, imported.stdout + imported.stderr);
    deps = await vaultDeps(loadConfig({ RAYVAULT_HOME: home }));
    study = (await studyRef(syntheticPatient(7).studyUid, deps)).id;
  });
  after(() => deps.close());

  const unzip = async (stream: NodeJS.ReadableStream, name: string): Promise<string> => {
    const zip = join(tempDir("zip"), `${name}.zip`);
    await pipeline(stream, createWriteStream(zip));
    const out = tempDir(`${name}-out`);
    const r = spawnSync("/usr/bin/python3", ["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2]); print(zipfile.ZipFile(sys.argv[1]).testzip())", zip, out], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "None", "every CRC is right");
    return out;
  };

  it("a full package: DICOMDIR followed by pydicom to all three files, byte-identical, no PHI in names", async () => {
    const { stream, summary } = await packageStudy(study, fullPlan("164.502(b)(2)(i)", "treatment"), deps);
    const out = await unzip(stream, "full");
    const names = readdirSync(out, { recursive: true }).map(String).sort();
    assert.deepEqual(names, ["DICOM", "DICOM/S0001", "DICOM/S0001/I0001", "DICOM/S0001/I0002", "DICOM/S0001/I0003", "DICOMDIR"]);
    const check = JSON.parse(spawnSync("/usr/bin/python3", [CHECK, join(out, "DICOMDIR")], { encoding: "utf8" }).stdout) as { instances: number; mismatched: number; recordPatients: string[] };
    assert.deepEqual([check.instances, check.mismatched, check.recordPatients], [3, 0, [syntheticPatient(7).id]]);
    const files = ["I0001", "I0002", "I0003"].map((f) => readFileSync(join(out, "DICOM", "S0001", f)));
    for (const o of originals) assert.ok(files.some((f) => f.equals(Buffer.from(o))), "an original is in the package unchanged");
    assert.equal(summary.files, 3);
    const dump = runTool("dcmdump", ["+P", "0004,1430", join(out, "DICOMDIR")]).stdout;
    if (haveTool("dciodvfy")) {
      const v = runTool("dciodvfy", [join(out, "DICOMDIR")]);
      assert.match(v.stdout + v.stderr, /BasicDirectory/);
      assert.doesNotMatch(v.stdout + v.stderr, /Error/, "dciodvfy finds no error in the DICOMDIR");
    }
    assert.deepEqual(dump.match(/\[(PATIENT|STUDY|SERIES|IMAGE) *\]/g)?.map((x) => x.replace(/[[\] ]/g, "")), ["PATIENT", "STUDY", "SERIES", "IMAGE", "IMAGE", "IMAGE"]);
  });

  it("a payment package: the plan's attributes and private tags gone, the rest intact", async () => {
    const { stream, summary } = await packageStudy(study, paymentPlan("health-plan"), deps);
    const out = await unzip(stream, "payment");
    const dump = runTool("dcmdump", [join(out, "DICOM", "S0001", "I0001")]).stdout;
    for (const gone of ["PatientAddress", "PatientTelephoneNumbers", "InstitutionAddress", "DeviceSerialNumber"]) assert.doesNotMatch(dump, new RegExp(`# .*${gone}`), gone);
    for (const kept of ["PatientName", "PatientID", "StudyInstanceUID", "PixelData"]) assert.match(dump, new RegExp(kept), kept);
    assert.ok(summary.removedAttributes >= 12, `${summary.removedAttributes} removed`);
    assert.equal(runTool("dcmdump", [join(out, "DICOMDIR")]).status, 0);
  });

  it("previews: one per image, rendered from the file that leaves, within one grey level of dcmtk's dcmj2pnm", async () => {
    const { default: sharp } = await import("sharp");
    const { stream, summary } = await packageStudy(study, fullPlan("164.502(b)(2)(i)", "treatment"), { ...deps, renderer: dicomRenderer() }, { previews: "png" });
    const out = await unzip(stream, "previews");
    const names = readdirSync(join(out, "PREVIEW", "S0001")).sort();
    assert.deepEqual(names, ["I0001.png", "I0002.png", "I0003.png"]);
    assert.equal(summary.previews, 3);
    for (const n of ["I0001", "I0002", "I0003"]) {
      const dicom = join(out, "DICOM", "S0001", n);
      const theirs = join(tempDir("dcmj2pnm"), `${n}.png`);
      // No window in these headers: both use the pixel range (dcmtk +Wm), overlays off.
      assert.equal(runTool("dcmj2pnm", ["+Wm", "-O", "+on", dicom, theirs]).status, 0);
      const a = await sharp(join(out, "PREVIEW", "S0001", `${n}.png`)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      const b = await sharp(theirs).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([a.info.width, a.info.height], [b.info.width, b.info.height]);
      let max = 0;
      for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
      assert.ok(max <= 1, `${n}: ${max} grey levels from dcmtk's render`);
      const meta = await sharp(join(out, "PREVIEW", "S0001", `${n}.png`)).metadata();
      assert.equal(meta.exif, undefined, "no metadata in a preview");
    }
  });

  it("previews as JPEG: decodable, named without PHI; the renderer refuses a truncated pixel stream", async () => {
    const { default: sharp } = await import("sharp");
    const { stream } = await packageStudy(study, fullPlan("164.502(b)(2)(i)", "treatment"), { ...deps, renderer: dicomRenderer() }, { previews: "jpeg" });
    const out = await unzip(stream, "previews-jpeg");
    const meta = await sharp(join(out, "PREVIEW", "S0001", "I0001.jpg")).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["jpeg", 512, 512]);
    // The renderer itself refuses pixels it cannot decode (the package then fails, see packageStudy).
    const broken = Buffer.from(originals[0]!);
    const pixelTag = broken.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
    await assert.rejects(dicomRenderer().renderPreview(broken.subarray(0, pixelTag + 12), "jpeg", 1024), /RV_PIXELS_UNDECODABLE|could not be decoded/);
  });

  it("photos: the patient's photo of a film beside the study, a JPEG without the camera's metadata", async () => {
    const { stream, summary } = await packageStudy(study, fullPlan("164.502(b)(2)(i)", "treatment"), deps, { photos: true });
    const out = await unzip(stream, "photos");
    assert.deepEqual(readdirSync(join(out, "PHOTO")), ["P0001.jpg"]);
    assert.equal(summary.photos, 1);
    const exif = runTool("exiftool", ["-json", join(out, "PHOTO", "P0001.jpg")]).stdout;
    assert.match(exif, /"FileType": "JPEG"/);
    for (const tag of ["GPS", "Make", "iPhone"]) assert.equal(exif.includes(tag), false, `${tag} left`);
    const check = JSON.parse(spawnSync("/usr/bin/python3", [CHECK, join(out, "DICOMDIR")], { encoding: "utf8" }).stdout) as { instances: number; mismatched: number };
    assert.deepEqual([check.instances, check.mismatched], [3, 0], "the DICOMDIR still follows to the DICOM files only");
  });

  it("refuses a de-identified plan where pixels cannot be cleaned", async () => {
    await assert.rejects(packageStudy(study, deidentifiedPlan("operations"), { index: deps.index, blobs: deps.blobs }), /RV_DEID_UNSUPPORTED|text recognition is not configured/);
  });

  it("a de-identified package: pixels searched, the profile applied with a pseudonym of this package, verified, photos' labels cleaned; pydicom follows its DICOMDIR", { skip: haveTool("tesseract") ? false : "tesseract-ocr-eng needed" }, async () => {
    const { stream, summary } = await packageStudy(study, deidentifiedPlan("operations"), deps, { photos: true });
    const out = await unzip(stream, "deidentified");
    assert.equal(summary.files, 3);
    assert.equal(summary.photos, 1, "the photo went through label cleaning (none found on a blank film)");
    const p = syntheticPatient(7);
    const check = JSON.parse(spawnSync("/usr/bin/python3", [CHECK, join(out, "DICOMDIR")], { encoding: "utf8" }).stdout) as { instances: number; mismatched: number; recordPatients: string[] };
    assert.deepEqual([check.instances, check.mismatched], [3, 0]);
    assert.match(check.recordPatients[0]!, /^RV-[0-9A-F]{12}$/, "the DICOMDIR names the package's pseudonym");
    for (const f of ["I0001", "I0002", "I0003"]) {
      const file = join(out, "DICOM", "S0001", f);
      const bytes = readFileSync(file).toString("latin1");
      for (const phi of [p.name.split("^")[0]!, p.id, p.studyUid, p.address.split(" ")[1]!, p.institution]) assert.equal(bytes.includes(phi), false, `${phi} left in ${f}`);
      const dump = runTool("dcmdump", [file]).stdout;
      assert.match(dump, /\(0012,0062\) CS \[YES\]/, "Patient Identity Removed");
      assert.match(dump, /113101/, "Clean Pixel Data in the method codes");
    }
  });
});
