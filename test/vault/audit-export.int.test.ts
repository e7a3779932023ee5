/**
 * `rayvault audit export`: the CSV parses with Python's csv module and its rows re-verify as a hash
 * chain; the FHIR bundle holds one AuditEvent per record; every ATNA line is a well-formed DICOM audit
 * message (parsed by Python's XML parser). No export carries PHI.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { verifyChain, type AuditRecord } from "../../src/core/audit/audit-chain.ts";
import { plantedPhiFile, PLANTED, xrayFile } from "../fixtures/synthetic-dicom.ts";
import { runCli, tempDir } from "../helpers/run-cli.ts";

describe("audit export", () => {
  const home = tempDir("export");
  const env = { RAYVAULT_HOME: home };
  const dir = tempDir("export-in");
  writeFileSync(join(dir, "a.dcm"), plantedPhiFile());
  writeFileSync(join(dir, "b.dcm"), xrayFile(31, 32, 32));
  const imported = runCli(["import", dir, "--purpose", "treatment"], env);
  runCli(["import", dir, "--purpose", "personal"], env);

  it("has something to export", () => {
    assert.equal(imported.status, 0, imported.stdout + imported.stderr);
  });

  it("writes CSV that Python parses and that re-verifies as a chain", () => {
    const r = runCli(["audit", "export", "--format", "csv"], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.includes(PLANTED.patientName.split("^")[0]!), false);
    const py = spawnSync("/usr/bin/python3", ["-c", "import csv,sys,json; print(json.dumps(list(csv.DictReader(sys.stdin))))"], { input: r.stdout, encoding: "utf8" });
    assert.equal(py.status, 0, py.stderr);
    const rows = JSON.parse(py.stdout) as Array<Record<string, string>>;
    assert.equal(rows.length, 3);
    const records: AuditRecord[] = rows.map((x) => ({
      seq: Number(x["seq"]), time: x["time"]!, actor: x["actor"]!, action: x["action"]!, objects: x["objects"] ? x["objects"].split(" ") : [],
      purpose: x["purpose"]!, outcome: x["outcome"] as AuditRecord["outcome"], prevHash: x["prev_hash"]!, hash: x["hash"]!,
    }));
    assert.equal(verifyChain(records).ok, true);
    assert.deepEqual(records.map((x) => x.outcome), ["success", "success", "refused"]);
  });

  it("writes a FHIR R4 Bundle of AuditEvents", () => {
    const r = runCli(["audit", "export", "--format", "fhir"], env);
    const bundle = JSON.parse(r.stdout) as { resourceType: string; entry: Array<{ resource: { resourceType: string; type: { code: string }; outcome: string; purposeOfEvent?: unknown[] } }> };
    assert.equal(bundle.resourceType, "Bundle");
    assert.deepEqual(bundle.entry.map((e) => [e.resource.resourceType, e.resource.type.code, e.resource.outcome]), [["AuditEvent", "110107", "0"], ["AuditEvent", "110107", "0"], ["AuditEvent", "110107", "4"]]);
  });

  it("writes one well-formed DICOM audit message per line (ATNA)", () => {
    const out = join(tempDir("atna"), "audit.xml");
    const r = runCli(["audit", "export", "--format", "atna", "--out", out], env);
    assert.equal(r.status, 0, r.stderr);
    const py = spawnSync("/usr/bin/python3", ["-c", [
      "import sys, xml.etree.ElementTree as ET",
      "n = 0",
      "for line in open(sys.argv[1]):",
      "    m = ET.fromstring(line)",
      "    assert m.tag == 'AuditMessage'",
      "    assert m.find('EventIdentification/EventID').get('csd-code') == '110107'",
      "    n += 1",
      "print(n)",
    ].join("\n"), out], { encoding: "utf8" });
    assert.equal(py.status, 0, py.stderr);
    assert.equal(py.stdout.trim(), "3");
  });
});
