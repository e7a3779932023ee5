/**
 * Over the real public samples in ../shared/data/dev: every DICOM either de-identifies or is refused
 * with a reason; dcmdump (dcmtk) parses every output; dciodvfy (dicom3tools) reports no error the input
 * did not already have; pydicom reads the same Pixel Data bytes (MD5) before and after.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { HAVE_SHARED_DATA, haveTool, NO_SHARED_DATA_REASON, REPO, runCli, runTool, SHARED_DATA, tempDir } from "../helpers/run-cli.ts";
import { spawnSync } from "node:child_process";

interface FileResult {
  path: string;
  kind: string;
  status: string;
  output?: string;
  code?: string;
  reason?: string;
}

/** dciodvfy's errors, with UIDs (which de-identification changes by design) taken out. */
function iodErrors(path: string): Set<string> {
  const r = runTool("dciodvfy", [path]);
  return new Set(
    (r.stdout + r.stderr)
      .split("\n")
      .filter((l) => l.startsWith("Error"))
      .map((l) => l.replace(/<[0-9. ]+>/g, "").replace(/[0-9]+(\.[0-9]+)+/g, "").replace(/UID [0-9]+$/, "UID").trim()),
  );
}

describe("de-identification of the shared public samples", { skip: HAVE_SHARED_DATA ? false : NO_SHARED_DATA_REASON }, () => {
  const out = tempDir("dev-out");
  const inputs = [join(SHARED_DATA, "dev/dicom"), join(SHARED_DATA, "dev/burned_in")];
  const run = HAVE_SHARED_DATA ? runCli(["deid", ...inputs, "--out", out, "--allow-burned-in-risk", "--json"]) : undefined;
  const report = run ? (JSON.parse(run.stdout) as { files: FileResult[] }) : { files: [] };
  const dicom = report.files.filter((f) => f.kind === "dicom" || f.kind === "dicomdir");
  const written = dicom.filter((f) => f.status === "written");

  it("exits 3 (some refused) and accounts for every DICOM input", () => {
    assert.equal(run?.status, 3, run?.stderr);
    assert.ok(dicom.length >= 260, `only ${dicom.length} DICOM inputs seen`);
    assert.ok(written.length >= 265, `only ${written.length} written`);
  });

  it("refuses only with a code and a reason, and never for an identifier left behind", () => {
    for (const f of dicom.filter((x) => x.status !== "written")) {
      assert.ok(["RV_DICOM_MALFORMED", "RV_DEID_UNSUPPORTED"].includes(f.code ?? ""), `${f.path}: ${f.code} ${f.reason}`);
      assert.ok((f.reason ?? "").length > 10, f.path);
      assert.notEqual(f.code, "RV_DEID_RESIDUAL_PHI", `${f.path}: ${f.reason}`);
    }
    const malformed = dicom.filter((f) => f.code === "RV_DICOM_MALFORMED").map((f) => f.path.split("/").pop());
    for (const known of ["MR_truncated.dcm", "rtplan_truncated.dcm", "no_meta.dcm"]) assert.ok(malformed.includes(known), `${known} should be refused as malformed`);
  });

  it("writes outputs that dcmdump parses", { skip: !haveTool("dcmdump") }, () => {
    for (const f of written) {
      const r = runTool("dcmdump", ["-q", join(out, f.output!)]);
      assert.equal(r.status, 0, `${f.output}: ${r.stderr.slice(0, 300)}`);
    }
  });

  it("adds no dciodvfy error the input did not have", { skip: !haveTool("dciodvfy") }, () => {
    const problems: string[] = [];
    for (const f of written.filter((x) => !x.path.includes("!/"))) {
      const before = iodErrors(f.path);
      for (const e of iodErrors(join(out, f.output!))) if (!before.has(e)) problems.push(`${f.path}: ${e}`);
    }
    assert.deepEqual(problems, []);
  });

  it("keeps every DICOMDIR set resolving as before, as pydicom's FileSet follows it", { skip: haveTool("/usr/bin/python3") && runTool("/usr/bin/python3", ["-c", "import pydicom"]).status === 0 ? false : "python3-pydicom not installed" }, () => {
    const check = (path: string): { instances: number; mismatched: number; patients: number } | string => {
      const r = runTool("/usr/bin/python3", [join(REPO, "test/helpers/dicomdir-check.py"), path]);
      if (r.status !== 0) return (r.stderr.trim().split("\n").pop() ?? "").replace(/offset \d+/, "offset N");
      const j = JSON.parse(r.stdout) as { instances: number; mismatched: number; filePatients: string[] };
      return { instances: j.instances, mismatched: j.mismatched, patients: j.filePatients.length };
    };
    const dirs = written.filter((f) => f.kind === "dicomdir");
    assert.ok(dirs.length >= 6, `only ${dirs.length} DICOMDIRs written`);
    for (const d of dirs) assert.deepEqual(check(join(out, d.output!)), check(d.path), d.path);
  });

  it("keeps the Pixel Data bytes identical, as pydicom reads them", { skip: haveTool("/usr/bin/python3") && runTool("/usr/bin/python3", ["-c", "import pydicom"]).status === 0 ? false : "python3-pydicom not installed" }, () => {
    const pairs = written.filter((x) => !x.path.includes("!/") && x.kind === "dicom");
    const md5 = (paths: string[]): Map<string, string> => {
      const r = spawnSync("/usr/bin/python3", [join(REPO, "test/helpers/pixel-md5.py")], { input: paths.join("\n") + "\n", encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      assert.equal(r.status, 0, r.stderr);
      return new Map(r.stdout.trim().split("\n").map((l) => [l.slice(l.indexOf(" ") + 1).split(" ")[0]!, l.split(" ")[0]!]));
    };
    const before = md5(pairs.map((p) => p.path));
    const after = md5(pairs.map((p) => join(out, p.output!)));
    let compared = 0;
    for (const p of pairs) {
      const a = before.get(p.path);
      if (a === undefined || a === "-" || a === "!") continue;
      compared++;
      assert.equal(after.get(join(out, p.output!)), a, p.path);
    }
    assert.ok(compared >= 150, `only ${compared} pixel comparisons`);
  });
});
