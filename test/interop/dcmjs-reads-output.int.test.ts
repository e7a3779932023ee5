/**
 * dcmjs, an independent DICOM implementation, reads what Rayvault writes and agrees on what matters:
 * the pseudonym, the remapped UIDs, the de-identification marks, the pixel data, and no private tags.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import dcmjs from "dcmjs";
import { plantedPhiFile, xrayFile } from "../fixtures/synthetic-dicom.ts";
import { runCli, tempDir } from "../helpers/run-cli.ts";

function read(path: string): { meta: Record<string, unknown>; ds: Record<string, unknown>; raw: ReturnType<typeof dcmjs.data.DicomMessage.readFile> } {
  const b = readFileSync(path);
  const raw = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  return { meta: dcmjs.data.DicomMetaDictionary.naturalizeDataset(raw.meta), ds: dcmjs.data.DicomMetaDictionary.naturalizeDataset(raw.dict), raw };
}

describe("dcmjs reads Rayvault's output", () => {
  const dir = tempDir("dcmjs");
  writeFileSync(join(dir, "planted.dcm"), plantedPhiFile());
  writeFileSync(join(dir, "xray.dcm"), xrayFile(6, 64, 48));
  const out = tempDir("dcmjs-out");
  const r = runCli(["deid", dir, "--out", out, "--json"]);

  it("de-identifies both files", () => {
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("agrees on pseudonym, UIDs, marks and pixels", () => {
    const before = read(join(dir, "xray.dcm"));
    const after = read(join(out, "xray.dcm"));
    const name = after.ds["PatientName"] as Array<{ Alphabetic: string }> | string;
    const alphabetic = Array.isArray(name) ? name[0]?.Alphabetic : name;
    assert.match(String(alphabetic), /^RV[A-Z2-9]{10}$/);
    assert.equal(after.ds["PatientID"], alphabetic);
    assert.match(String(after.ds["SOPInstanceUID"]), /^2\.25\.\d+$/);
    assert.equal(after.meta["MediaStorageSOPInstanceUID"], after.ds["SOPInstanceUID"]);
    assert.notEqual(after.ds["StudyInstanceUID"], before.ds["StudyInstanceUID"]);
    assert.equal(after.ds["PatientIdentityRemoved"], "YES");
    assert.equal(after.ds["Rows"], 64);
    const px = (d: typeof after): Buffer => Buffer.from((d.ds["PixelData"] as ArrayBuffer[])[0]!);
    assert.ok(px(before).equals(px(after)));
  });

  it("finds no private tag, overlay or icon left", () => {
    const after = read(join(out, "planted.dcm"));
    const tags = Object.keys(after.raw.dict);
    assert.deepEqual(tags.filter((t) => Number.parseInt(t.slice(0, 4), 16) % 2 === 1), []);
    assert.deepEqual(tags.filter((t) => t.startsWith("6000") || t === "00880200"), []);
  });
});
