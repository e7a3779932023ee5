/** The de-identification transform on generated files, and the verifier that guards it. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memorySource } from "../../ports/byte-source.ts";
import { parseDicom } from "../dicom/parse-dicom.ts";
import { concat, serializeDicom } from "../dicom/write-dicom.ts";
import type { DicomElement, DicomFile } from "../dicom/dataset.ts";
import { Tags } from "../dicom/dictionary.ts";
import { findDicomPhi } from "../phi/find-dicom-phi.ts";
import { part10, plantedPhiFile, PLANTED, plantedNeedles, xrayFile, syntheticPatient } from "../../../test/fixtures/synthetic-dicom.ts";
import { deidentifyDicom, patientKeyOf, type DeidContext } from "./deidentify-dicom.ts";
import { ProfileOption } from "./profile.ts";
import { createUidMapper } from "./uid-remap.ts";
import { containsToken, sensitiveValuesOf, verifyDeidentified } from "./verify-deid.ts";
import { shiftDa, shiftDt } from "./shift-dates.ts";

const latin1 = new TextDecoder("latin1");

function context(file: DicomFile, options: ProfileOption[] = []): DeidContext {
  return {
    options: new Set(options),
    mapUid: createUidMapper(new Uint8Array(32).fill(7)),
    patient: { pseudonym: "RVTESTPSEUDO", dateShiftDays: -100 },
    pseudonymFor: () => ({ pseudonym: "RVOTHERPATIENT", dateShiftDays: -50 }),
    knownIdentifiers: findDicomPhi(file).knownIdentifiers,
    instanceSeed: "test",
  };
}

function run(bytes: Uint8Array, options: ProfileOption[] = []): { out: Uint8Array; parsed: DicomFile; input: DicomFile } {
  const input = parseDicom(memorySource(bytes));
  const result = deidentifyDicom(input, context(input, options));
  const s = serializeDicom({ meta: result.meta, dataset: result.dataset, transferSyntax: input.transferSyntax }, (r) => input.source.read(r.offset, r.length));
  const out = concat(s.chunks.map((c) => (c instanceof Uint8Array ? c : input.source.read(c.offset, c.length))));
  return { out, parsed: parseDicom(memorySource(out)), input };
}

const text = (els: readonly DicomElement[], tag: number): string | undefined => {
  const e = els.find((x) => x.tag === tag);
  return e?.value ? latin1.decode(e.value).replace(/[\0 ]+$/, "") : undefined;
};

describe("deidentifyDicom", () => {
  it("leaves none of the planted strings anywhere in the output bytes", () => {
    const { out } = run(plantedPhiFile());
    const bytes = latin1.decode(out);
    const survivors = plantedNeedles().filter((n) => bytes.includes(n));
    assert.deepEqual(survivors, []);
  });

  it("marks the result as de-identified (PS3.15 E.1.1) and rebuilds the file meta", () => {
    const { parsed } = run(plantedPhiFile(), [ProfileOption.CleanDescriptors]);
    assert.equal(text(parsed.dataset, Tags.PatientIdentityRemoved), "YES");
    assert.equal(text(parsed.dataset, Tags.DeidentificationMethod), "Rayvault PS3.15 Basic Profile\\Clean Descriptors");
    const codes = parsed.dataset.find((e) => e.tag === Tags.DeidentificationMethodCodeSequence)?.items?.map((i) => text(i.elements, Tags.CodeValue));
    assert.deepEqual(codes, ["113100", "113105"]);
    assert.equal(text(parsed.dataset, Tags.LongitudinalTemporalInformationModified), "REMOVED");
    assert.deepEqual(parsed.meta.map((e) => e.tag), [0x00020000, 0x00020001, 0x00020002, 0x00020003, 0x00020010, 0x00020012, 0x00020013]);
    assert.equal(text(parsed.meta, Tags.MediaStorageSOPInstanceUID), text(parsed.dataset, Tags.SOPInstanceUID));
  });

  it("puts the random pseudonym in Patient's Name and ID, never the MRN", () => {
    const { parsed } = run(xrayFile(1, 16, 16));
    assert.equal(text(parsed.dataset, Tags.PatientName), "RVTESTPSEUDO");
    assert.equal(text(parsed.dataset, Tags.PatientID), "RVTESTPSEUDO");
  });

  it("remaps UIDs consistently to valid 2.25 UIDs, inside sequences too", () => {
    const a = run(plantedPhiFile()).parsed;
    const b = run(plantedPhiFile()).parsed;
    const sop = text(a.dataset, Tags.SOPInstanceUID)!;
    assert.match(sop, /^2\.25\.\d{1,39}$/);
    assert.ok(sop.length <= 64);
    assert.equal(sop, text(b.dataset, Tags.SOPInstanceUID));
    assert.notEqual(sop, PLANTED.uid);
    const mapper = createUidMapper(new Uint8Array(32).fill(7));
    assert.equal(text(a.dataset, Tags.StudyInstanceUID), mapper(`${PLANTED.uid}.2`));
  });

  it("copies pixel data through untouched", () => {
    const { out, input } = run(xrayFile(2, 128, 96));
    const inPix = input.dataset.find((e) => e.tag === Tags.PixelData)!;
    const outParsed = parseDicom(memorySource(out));
    const outPix = outParsed.dataset.find((e) => e.tag === Tags.PixelData)!;
    const read = (f: DicomFile, e: DicomElement): Buffer => Buffer.from(e.range ? f.source.read(e.range.offset, e.range.length) : e.value!);
    assert.ok(read(input, inPix).equals(read(outParsed, outPix)));
  });

  it("shifts dates under the Modified Dates option and keeps them under Full Dates", () => {
    const p = syntheticPatient(1);
    const shifted = run(xrayFile(1, 8, 8), [ProfileOption.RetainLongitudinalModifiedDates]).parsed;
    assert.equal(text(shifted.dataset, Tags.StudyDate), shiftDa(p.studyDate, -100));
    assert.equal(text(shifted.dataset, Tags.LongitudinalTemporalInformationModified), "MODIFIED");
    const full = run(xrayFile(1, 8, 8), [ProfileOption.RetainLongitudinalFullDates]).parsed;
    assert.equal(text(full.dataset, Tags.StudyDate), p.studyDate);
  });

  it("removes a whole overlay when its data is removed, and the icon image", () => {
    const { parsed } = run(plantedPhiFile());
    assert.equal(parsed.dataset.some((e) => e.tag >>> 16 === 0x6000), false);
    assert.equal(parsed.dataset.some((e) => e.tag === Tags.IconImageSequence), false);
  });

  it("aggregates ages over 89 when patient characteristics are kept", () => {
    const bytes = part10(
      [{ tag: 0x00080016, vr: "UI", value: "1.2.840.10008.5.1.4.1.1.7" }, { tag: 0x00080018, vr: "UI", value: "1.2.3.4" }, { tag: 0x00101010, vr: "AS", value: "094Y" }],
      { sopClass: "1.2.840.10008.5.1.4.1.1.7", sopInstance: "1.2.3.4" },
    );
    assert.equal(text(run(bytes, [ProfileOption.RetainPatientCharacteristics]).parsed.dataset, 0x00101010), "090Y");
    assert.equal(text(run(bytes).parsed.dataset, 0x00101010), undefined);
  });

  it("keeps file meta and dataset SOP Instance UID equal under Retain UIDs", () => {
    const { parsed } = run(plantedPhiFile(), [ProfileOption.RetainUids]);
    assert.equal(text(parsed.dataset, Tags.SOPInstanceUID), PLANTED.uid);
    assert.equal(text(parsed.meta, Tags.MediaStorageSOPInstanceUID), PLANTED.uid);
  });

  it("makes 2.25 UIDs from version-8 UUIDs", () => {
    const uid = createUidMapper(new Uint8Array(32).fill(1))("1.2.3.4");
    const hex = BigInt(uid.slice(5)).toString(16).padStart(32, "0");
    assert.equal(hex[12], "8", "version nibble");
    assert.ok(["8", "9", "a", "b"].includes(hex[16]!), "variant bits");
  });

  it("uses the patient's id (with issuer) as the pseudonym key, not the file", () => {
    const a = parseDicom(memorySource(xrayFile(4, 8, 8)));
    const b = parseDicom(memorySource(xrayFile(4, 16, 16)));
    assert.equal(patientKeyOf(a), patientKeyOf(b));
  });
});

describe("verifyDeidentified", () => {
  it("finds an identifier left anywhere, and names the place, not the value", () => {
    const input = parseDicom(memorySource(plantedPhiFile()));
    const sensitive = sensitiveValuesOf(findDicomPhi(input).findings, new Set());
    const residuals = verifyDeidentified(input, sensitive, new Set());
    assert.ok(residuals.length > 10);
    assert.ok(residuals.some((r) => r.where === "(0010,0010)"));
    assert.ok(residuals.some((r) => r.reason === "private element survived"));
    assert.ok(residuals.every((r) => !r.reason.includes("PLANTED") && !r.where.includes("PLANTED")));
  });

  it("passes a clean output", () => {
    const { parsed, input } = run(plantedPhiFile());
    assert.deepEqual(verifyDeidentified(parsed, sensitiveValuesOf(findDicomPhi(input).findings, new Set()), new Set()), []);
  });

  it("matches whole tokens only", () => {
    assert.equal(containsToken("PERSON NAME", "NAME"), true);
    assert.equal(containsToken("NAMED", "NAME"), false);
    assert.equal(containsToken("CONTEXT", "TEXT"), false);
  });
});

describe("date shifting", () => {
  it("shifts DA, ranges and DT, and refuses what is not a date", () => {
    assert.equal(shiftDa("20240301", -1), "20240229");
    assert.equal(shiftDa("20240101-20240110", 10), "20240111-20240120");
    assert.equal(shiftDt("20240301120000.5+0100", -1), "20240229120000.5+0100");
    assert.equal(shiftDa("2024", 1), undefined);
    assert.equal(shiftDa("20241341", 1), undefined);
  });
});

