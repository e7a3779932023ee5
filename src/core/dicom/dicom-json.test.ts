import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memorySource } from "../../ports/byte-source.ts";
import { parseDicom } from "./parse-dicom.ts";
import { toDicomJson } from "./dicom-json.ts";
import { xrayFile } from "../../../test/fixtures/synthetic-dicom.ts";

describe("DICOM JSON model (PS3.18 F.2)", () => {
  it("gives names as Alphabetic, numbers as numbers, pixel data as a BulkDataURI, no file meta", () => {
    const file = parseDicom(memorySource(xrayFile(3, 16, 20)));
    const json = toDicomJson(file.dataset, true, (path) => `bulk/${path}`);
    assert.equal(Object.keys(json).some((k) => k.startsWith("0002")), false);
    assert.deepEqual(json["00280010"], { vr: "US", Value: [16] });
    assert.deepEqual(json["7FE00010"], { vr: "OW", BulkDataURI: "bulk/7FE00010" });
    const name = json["00100010"]!.Value![0] as { Alphabetic: string };
    assert.match(name.Alphabetic, /^[A-Z]+\^[A-Z]+/);
    assert.equal(typeof (json["00280100"]!.Value![0]), "number");
  });
});
