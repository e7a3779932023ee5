/** `rayvault scan`: the documented JSON schema, no values unless asked, names from headers found in text and file names. */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { plantedPhiFile, syntheticPatient, xrayFile } from "../fixtures/synthetic-dicom.ts";
import { runCli, tempDir } from "../helpers/run-cli.ts";

interface ScanJson {
  version: number;
  files: Array<{ path: string; kind: string; findings: Array<Record<string, unknown>>; burnedIn?: { likelihood: string }; error?: { code: string } }>;
  summary: { files: number; withFindings: number; errors: number };
}

describe("rayvault scan", () => {
  const dir = tempDir("scan");
  const p = syntheticPatient(2);
  const surname = p.name.split("^")[0]!;
  writeFileSync(join(dir, "xray.dcm"), xrayFile(2, 16, 16));
  writeFileSync(join(dir, "planted.dcm"), plantedPhiFile());
  writeFileSync(join(dir, "note.txt"), `Sent by ${surname} on 03/02/2026, call 217-555-0101`);
  writeFileSync(join(dir, `${surname}_chest.txt`), "nothing here");
  const r = runCli(["scan", "--json", dir]);
  const report = JSON.parse(r.stdout) as ScanJson;

  it("prints the versioned schema and exits 0", () => {
    assert.equal(r.status, 0, r.stderr);
    assert.equal(report.version, 1);
    assert.equal(report.summary.files, 4);
    const kinds = report.files.map((f) => f.kind).sort();
    assert.deepEqual(kinds, ["dicom", "dicom", "text", "text"]);
  });

  it("never prints values by default, only their length", () => {
    // The surname appears only inside the file name the operator gave, never as a finding value.
    assert.equal(r.stdout.split(surname).length, r.stdout.split(`${surname}_chest.txt`).length);
    for (const f of report.files) {
      for (const x of f.findings) {
        assert.equal("value" in x, false);
        assert.equal(typeof x["valueLength"], "number");
        for (const k of ["where", "field", "category", "action", "source", "rule"]) assert.equal(typeof x[k], "string", k);
      }
    }
    const shown = JSON.parse(runCli(["scan", "--json", "--show-values", join(dir, "xray.dcm")]).stdout) as ScanJson;
    assert.ok(shown.files[0]!.findings.some((x) => x["value"] === p.id));
  });

  it("finds private, nested, overlay, icon and file-meta PHI", () => {
    const planted = report.files.find((f) => f.path.endsWith("planted.dcm"))!;
    const where = planted.findings.map((f) => String(f["where"]));
    for (const w of ["(0002,0016)", "(0029,1001)", "(0029,1002)", "(0060,3000)".replace("0060", "6000"), "(0088,0200)", "(0040,0275)[0].(0032,1032)", "(0040,0275)[0].(0040,0008)[0].(0040,1001)"]) {
      assert.ok(where.includes(w), `${w} missing`);
    }
    assert.ok(where.some((w) => w.startsWith("(6000,0022)")), "overlay description");
    assert.equal(planted.burnedIn?.likelihood, "medium");
  });

  it("looks for header names in free text and file names", () => {
    const note = report.files.find((f) => f.path.endsWith("note.txt"))!;
    const cats = note.findings.map((f) => f["category"]);
    assert.ok(cats.includes("names") && cats.includes("dates") && cats.includes("phone"), cats.join(","));
    const named = report.files.find((f) => f.path.endsWith("_chest.txt"))!;
    assert.ok(named.findings.some((f) => f["field"] === "FileName" && f["category"] === "names"));
  });
});
