/**
 * `rayvault deid --option clean-pixels` on a real radiograph with PHI burned into its pixels (the
 * JohnSnowLabs chest X-ray of the shared set; its header carries the same synthetic PHI): Tesseract's
s * own command-line tool reads the name, ID, institution and birth date in dcmtk's rendering of the input and none of
 * them in the output's; the output says Burned In Annotation NO and carries the Clean Pixel Data code.
 * `scan --pixels` reports the regions without the text. An image without text keeps its Pixel Data byte for byte (pydicom's MD5). Without OCR language data the
 * file is refused (fail closed), not declared clean.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gradientXray } from "../fixtures/synthetic-dicom.ts";
import { coverage, regionMask, type Box } from "../../src/core/pixels/regions.ts";
import { HAVE_SHARED_DATA, haveTool, NO_SHARED_DATA_REASON, runCli, runTool, SHARED_DATA, tempDir } from "../helpers/run-cli.ts";

const XR = "6774825273_09-11-2013-XR_CHEST_AP_PORTABLE_for_Scott_Kaufman-73078_1_000000-91318_1-1.dcm";
const PHI = ["KAUFMAN", "SCOTT", "6774825273", "FRANCIS", "07/22"];
const MD5 = new URL("../helpers/pixel-md5.py", import.meta.url).pathname;

/** What the tesseract CLI reads in dcmtk's rendering (pixel range, ×4 so 6-px captions are legible). */
function tesseractReads(dicom: string, dir: string): string {
  const png = join(dir, "render.png");
  assert.equal(runTool("dcmj2pnm", ["+Wm", "+Sxf", "4", "+Syf", "4", "+on", dicom, png]).status, 0);
  const r = runTool("tesseract", [png, "stdout", "--psm", "11"], { env: { ...process.env, OMP_THREAD_LIMIT: "1" } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.toUpperCase();
}

type DeidJson = { files: Array<{ status: string; output?: string; code?: string; pixelRegions?: number }> };

describe("burned-in text removed from the pixels", { skip: !HAVE_SHARED_DATA ? NO_SHARED_DATA_REASON : haveTool("tesseract") && haveTool("dcmj2pnm") ? false : "tesseract and dcmtk needed" }, () => {
  it("cleans the name, ID and birth date from a chest X-ray: tesseract reads them before, not after", () => {
    const input = tempDir("burned-in");
    const out = tempDir("burned-in-out");
    copyFileSync(join(SHARED_DATA, "dev/burned_in/jsl", XR), join(input, "xr.dcm"));
    const before = tesseractReads(join(input, "xr.dcm"), tempDir("render-in"));
    for (const p of PHI) assert.ok(before.includes(p), `tesseract reads ${p} in the input`);
    const r = runCli(["deid", input, "--out", out, "--option", "clean-pixels", "--json"], { RAYVAULT_HOME: tempDir("home") });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const file = (JSON.parse(r.stdout) as DeidJson).files[0]!;
    assert.equal(file.status, "written");
    assert.ok((file.pixelRegions ?? 0) >= 1, "text regions were cleaned");
    const written = join(out, file.output!);
    const after = tesseractReads(written, tempDir("render-out"));
    for (const p of PHI) assert.equal(after.includes(p), false, `${p} is still readable`);
    const dump = runTool("dcmdump", [written]).stdout;
    assert.match(dump, /\(0028,0301\) CS \[NO\]/);
    assert.match(dump, /\(0008,0100\) SH \[113101\]/);
    assert.match(dump, /Clean Pixel Data Option/);
  });

  for (const c of [
    { name: "JPEG-LS lossless", compress: "dcmcjpls", decompress: "dcmdjpls", uid: "1.2.840.10008.1.2.4.80", shown: /JPEG-LS Lossless/ },
    { name: "RLE lossless", compress: "dcmcrle", decompress: "dcmdrle", uid: "1.2.840.10008.1.2.5", shown: /RLE Lossless/ },
  ]) {
    it(`cleans the same X-ray stored ${c.name} (dcmtk ${c.compress}): decoded, cleaned, encoded again in ${c.name}`, () => {
      const input = tempDir("burned-in-c");
      const out = tempDir("burned-in-c-out");
      assert.equal(runTool(c.compress, [join(SHARED_DATA, "dev/burned_in/jsl", XR), join(input, "xr.dcm")]).status, 0);
      assert.match(runTool("dcmdump", ["-M", join(input, "xr.dcm")]).stdout, c.shown);
      const r = runCli(["deid", input, "--out", out, "--option", "clean-pixels", "--json"], { RAYVAULT_HOME: tempDir("home") });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const file = (JSON.parse(r.stdout) as DeidJson).files[0]! as DeidJson["files"][number] & { decompressedFrom?: string };
      assert.ok((file.pixelRegions ?? 0) >= 1);
      assert.equal(file.decompressedFrom, undefined, "not decompressed: encoded again");
      const written = join(out, file.output!);
      assert.match(runTool("dcmdump", ["-M", written]).stdout, c.shown, "the transfer syntax is kept");
      // dcmtk decodes what we encoded; tesseract reads none of the PHI in it.
      const plain = join(tempDir("decoded"), "plain.dcm");
      const d = runTool(c.decompress, [written, plain]);
      assert.equal(d.status, 0, d.stderr);
      const after = tesseractReads(plain, tempDir("render-c"));
      for (const p of PHI) assert.equal(after.includes(p), false, `${p} is still readable`);
    });
  }

  it("scan --pixels reports where the text is, and how many lines hold a header identifier, never the text", () => {
    const r = runCli(["scan", "--pixels", "--json", join(SHARED_DATA, "dev/burned_in/jsl", XR)]);
    assert.equal(r.status, 0, r.stderr);
    const f = (JSON.parse(r.stdout) as { files: Array<{ pixelText?: { regions: number[][]; identifierLines: number } }> }).files[0]!;
    assert.ok((f.pixelText?.regions.length ?? 0) >= 1);
    assert.ok((f.pixelText?.identifierLines ?? 0) >= 3, "name, ID and date lines match the header");
    // The label block sits at x 109–339, y 325–387 in this 552 × 394 image: the regions cover its middle.
    const mask = regionMask(f.pixelText!.regions as unknown as Box[], 552, 394);
    assert.equal(coverage([160, 350, 200, 360], mask, 552, 394), 1);
    assert.equal(r.stdout.includes("KAUFMAN"), false, "no PHI printed");
  });

  it("cleans the label from a picture of an X-ray (Presidio's PNG): tesseract reads the name and dates before, not after", () => {
    const input = tempDir("photo");
    const out = tempDir("photo-out");
    copyFileSync(join(SHARED_DATA, "dev/burned_in/presidio/2_ORIGINAL.png"), join(input, "film.png"));
    const read = (png: string): string => runTool("tesseract", [png, "stdout", "--psm", "11"], { env: { ...process.env, OMP_THREAD_LIMIT: "1" } }).stdout.toUpperCase();
    const before = read(join(input, "film.png"));
    for (const p of ["KAU", "03.09.2012", "07.22.19"]) assert.ok(before.includes(p), `tesseract reads ${p} in the input`);
    const refused = runCli(["deid", input, "--out", tempDir("photo-refused")], { RAYVAULT_HOME: tempDir("home") });
    assert.equal(refused.status, 3, "without clean-pixels a photo is refused");
    const r = runCli(["deid", input, "--out", out, "--option", "clean-pixels", "--json"], { RAYVAULT_HOME: tempDir("home") });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const file = (JSON.parse(r.stdout) as DeidJson).files[0]!;
    assert.ok((file.pixelRegions ?? 0) >= 1);
    const after = read(join(out, file.output!));
    for (const p of ["KAU", "03.09", "07.22", "2012"]) assert.equal(after.includes(p), false, `${p} still readable`);
    assert.equal(runTool("exiftool", ["-json", join(out, file.output!)]).stdout.includes("GPS"), false);
  });

  it("keeps the pixel data of an image without text byte for byte", () => {
    const input = tempDir("no-text");
    const out = tempDir("no-text-out");
    writeFileSync(join(input, "plain.dcm"), gradientXray(11, 300, 400));
    const r = runCli(["deid", input, "--out", out, "--option", "clean-pixels", "--json"], { RAYVAULT_HOME: tempDir("home") });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const file = (JSON.parse(r.stdout) as DeidJson).files[0]!;
    assert.equal(file.pixelRegions, 0);
    const md5 = spawnSync("/usr/bin/python3", [MD5], { input: `${join(input, "plain.dcm")}\n${join(out, file.output!)}\n`, encoding: "utf8" }).stdout.trim().split("\n").map((l) => l.split(" ")[0]);
    assert.equal(md5.length, 2);
    assert.equal(md5[0], md5[1], "pixel data unchanged");
  });

  it("refuses the image when text recognition cannot run, writing nothing", () => {
    const input = tempDir("no-ocr");
    const out = tempDir("no-ocr-out");
    writeFileSync(join(input, "plain.dcm"), gradientXray(12, 64, 64));
    const r = runCli(["deid", input, "--out", out, "--option", "clean-pixels", "--json"], { RAYVAULT_HOME: tempDir("home"), RAYVAULT_TESSDATA: join(input, "no-such-tessdata") });
    assert.equal(r.status, 3, r.stdout + r.stderr);
    const file = (JSON.parse(r.stdout) as DeidJson).files[0]!;
    assert.deepEqual([file.status, file.code], ["refused", "RV_OCR_FAILED"]);
    assert.deepEqual(readdirSync(out), [], "nothing written");
  });
});
