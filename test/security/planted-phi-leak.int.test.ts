/**
 * Attack: PHI hidden in every place a DICOM header can hold it (nested sequences, private elements, UN,
 * private and UN sequences, overlay description and label, icon image, file meta source AE, DICOMDIR
 * records). Zero planted strings may survive in the output bytes; dcmdump and pydicom must read the result.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { plantedNeedles, plantedPhiFile, syntheticPatient, writeDicomdirSet } from "../fixtures/synthetic-dicom.ts";
import { haveTool, runCli, runTool, tempDir, REPO } from "../helpers/run-cli.ts";

function* files(dir: string): Generator<string> {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

describe("planted PHI never survives de-identification", () => {
  const input = tempDir("planted-in");
  const out = tempDir("planted-out");
  writeFileSync(join(input, "planted.dcm"), plantedPhiFile());
  // The set's folder is named after its patient, as clinics often do: that name must not reach --out.
  const setSurname = syntheticPatient(5).name.split("^")[0]!;
  const set = writeDicomdirSet(join(input, `${setSurname}_CHEST`));
  const result = runCli(["deid", input, "--out", out, "--json"]);

  const noDcmtk = haveTool("dcmdump") ? false : "dcmtk (dcmdump) not installed: apt-get install dcmtk";

  it("the fixture really carries the planted values (dcmdump sees them)", { skip: noDcmtk }, () => {
    const dump = runTool("dcmdump", ["+L", "+U8", join(input, "planted.dcm")]).stdout;
    for (const needle of ["PLANTEDSURNAME", "PLANTEDOVERLAYDESC", "PLANTEDICONNAME", "PLANTEDPRIVATELO", "PLANTEDSRCAE", "PLANTEDNESTED"]) {
      assert.ok(dump.includes(needle), `${needle} missing from the fixture`);
    }
  });

  it("writes every file and exits 0", () => {
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as { files: Array<{ status: string }> };
    assert.equal(report.files.length, 1 + set.files.length);
    assert.ok(report.files.every((f) => f.status === "written"));
  });

  it("leaves no planted string in any output byte", () => {
    const p = syntheticPatient(5);
    const needles = [...plantedNeedles(), p.id, p.accession, p.birthDate, p.studyUid, p.institution, ...p.name.split("^").filter((s) => s.length > 2)];
    for (const file of files(out)) {
      assert.equal(file.includes(setSurname), false, `output path ${file} names the patient`);
      const bytes = readFileSync(file).toString("latin1");
      const survivors = needles.filter((n) => bytes.includes(n));
      assert.deepEqual(survivors, [], `in ${file}`);
    }
  });

  it("dcmdump parses every output", { skip: noDcmtk }, () => {
    for (const file of files(out)) {
      const r = runTool("dcmdump", ["-q", file]);
      assert.equal(r.status, 0, `${file}: ${r.stderr}`);
    }
  });

  it("keeps the DICOMDIR set consistent: pydicom follows every offset to the renamed instances", { skip: haveTool("/usr/bin/python3") && runTool("/usr/bin/python3", ["-c", "import pydicom"]).status === 0 ? false : "python3-pydicom not installed" }, () => {
    const report = JSON.parse(result.stdout) as { files: Array<{ kind: string; output: string }> };
    const dicomdir = report.files.find((f) => f.kind === "dicomdir")!;
    const r = runTool("/usr/bin/python3", [join(REPO, "test/helpers/dicomdir-check.py"), join(out, dicomdir.output)]);
    assert.equal(r.status, 0, r.stderr);
    const check = JSON.parse(r.stdout) as { instances: number; mismatched: number; filePatients: string[]; recordPatients: string[] };
    assert.equal(check.instances, 2);
    assert.equal(check.mismatched, 0);
    assert.deepEqual(check.recordPatients, check.filePatients, "record and files carry the same pseudonym");
    assert.match(check.filePatients[0] ?? "", /^RV[A-Z2-9]{10}$/);
  });
});
