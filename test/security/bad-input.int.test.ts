/**
 * Attacks and accidents at the input: truncated and corrupt files, missing file meta, a zip entry named
 * "../", a zip bomb, a DICOMDIR pointing outside its set, a missing path. Each gets a clear per-file
 * refusal with a code; nothing crashes, nothing partial is left, nothing is written outside --out.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { part10, plantedPhiFile, writeDicomdirSet, xrayFile } from "../fixtures/synthetic-dicom.ts";
import { makeZip } from "../fixtures/zip-writer.ts";
import { runCli, tempDir } from "../helpers/run-cli.ts";

interface Report {
  files: Array<{ path: string; status: string; code?: string; reason?: string; output?: string }>;
}

function deid(paths: string[], out: string): { status: number; report: Report; stderr: string } {
  const r = runCli(["deid", ...paths, "--out", out, "--json"]);
  return { status: r.status, report: JSON.parse(r.stdout || "{\"files\":[]}") as Report, stderr: r.stderr };
}

function listAll(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String);
}

describe("bad input is refused per file, clearly, with nothing left behind", () => {
  it("truncated, corrupt and meta-less files", () => {
    const dir = tempDir("bad");
    const good = xrayFile(1, 32, 32);
    writeFileSync(join(dir, "truncated.dcm"), good.subarray(0, good.length - 100));
    const inText = Buffer.from(good).indexOf("ACME RADIOLOGY") + 3; // cut inside a value
    writeFileSync(join(dir, "header-cut.dcm"), good.subarray(0, inText));
    const corrupt = Uint8Array.from(good);
    corrupt.fill(0xff, 140, 160);
    writeFileSync(join(dir, "corrupt.dcm"), corrupt);
    writeFileSync(join(dir, "empty.dcm"), new Uint8Array(0));
    writeFileSync(join(dir, "good.dcm"), good);
    const out = tempDir("bad-out");
    const { status, report } = deid([dir], out);
    assert.equal(status, 3);
    const by = (name: string) => report.files.find((f) => f.path.endsWith(name))!;
    for (const name of ["truncated.dcm", "header-cut.dcm", "corrupt.dcm", "empty.dcm"]) {
      assert.equal(by(name).status, "refused", name);
      assert.match(by(name).code ?? "", /^RV_/);
    }
    assert.equal(by("truncated.dcm").code, "RV_DICOM_MALFORMED");
    assert.equal(by("good.dcm").status, "written");
    assert.deepEqual(listAll(out), ["good.dcm"], "no partial or temporary output");
  });

  it("a zip with an entry named ../ is rejected whole", () => {
    const dir = tempDir("zipslip");
    writeFileSync(join(dir, "slip.zip"), makeZip([{ name: "ok.dcm", data: xrayFile(2, 8, 8) }, { name: "../../escaped.dcm", data: xrayFile(3, 8, 8) }]));
    const out = tempDir("zipslip-out");
    const { status, report } = deid([join(dir, "slip.zip")], out);
    assert.equal(status, 3);
    assert.equal(report.files[0]?.code, "RV_UNSAFE_PATH");
    assert.deepEqual(listAll(out), []);
    assert.equal(existsSync(join(dir, "..", "escaped.dcm")), false);
  });

  it("a zip bomb is rejected before it is inflated", () => {
    const dir = tempDir("bomb");
    writeFileSync(join(dir, "bomb.zip"), makeZip([{ name: "big.dcm", data: new Uint8Array(64 * 1024 * 1024), deflate: true }]));
    const { status, report } = deid([join(dir, "bomb.zip")], tempDir("bomb-out"));
    assert.equal(status, 3);
    assert.equal(report.files[0]?.code, "RV_ARCHIVE_REJECTED");
    assert.match(report.files[0]?.reason ?? "", /zip bomb/);
  });

  it("a good zip is de-identified entry by entry", () => {
    const dir = tempDir("zipok");
    writeFileSync(join(dir, "study.zip"), makeZip([{ name: "a/planted.dcm", data: plantedPhiFile(), deflate: true }]));
    const out = tempDir("zipok-out");
    const { status, report } = deid([join(dir, "study.zip")], out);
    assert.equal(status, 0, JSON.stringify(report));
    assert.equal(report.files[0]?.path, `${join(dir, "study.zip")}!/a/planted.dcm`);
    assert.equal(report.files[0]?.output, "study/a/planted.dcm");
  });

  it("a DICOMDIR that references a file outside its set is refused", () => {
    const dir = tempDir("dirslip");
    writeDicomdirSet(join(dir, "set"));
    // Rewrite the DICOMDIR with a Referenced File ID that climbs out of the set.
    const dicomdir = part10(
      [
        { tag: 0x00041200, vr: "UL", value: new Uint8Array(4) },
        { tag: 0x00041220, vr: "SQ", value: [{ elements: [
          { tag: 0x00041430, vr: "CS", value: "IMAGE" },
          { tag: 0x00041500, vr: "CS", value: "..\\..\\ETC\\PASSWD" },
        ] }] },
      ],
      { sopClass: "1.2.840.10008.1.3.10", sopInstance: "1.2.3.99" },
    );
    writeFileSync(join(dir, "set", "DICOMDIR"), dicomdir);
    const out = tempDir("dirslip-out");
    const { report } = deid([join(dir, "set")], out);
    const d = report.files.find((f) => f.path.endsWith("DICOMDIR"));
    assert.equal(d?.status, "refused");
    assert.equal(d?.code, "RV_UNSAFE_PATH");
    assert.equal(existsSync(join(out, "DICOMDIR")), false);
  });

  it("a missing path or a bad option is a usage error (exit 1) with a clear message", () => {
    const r = runCli(["scan", "/nonexistent/rayvault/input"]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /no such file or folder/);
    const d = runCli(["deid", "/nonexistent/rayvault/input", "--out", tempDir("y")]);
    assert.equal(d.status, 1);
    assert.match(d.stdout, /no such file or folder/);
    const o = runCli(["deid", tempDir("x"), "--out", tempDir("y"), "--option", "retain-everything"]);
    assert.equal(o.status, 1);
    assert.match(o.stderr, /RV_USAGE_INVALID: unknown profile option/);
  });

  it("never writes outside --out, even for inputs whose names climb", () => {
    const root = tempDir("climb");
    const nested = join(root, "a", "b");
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(nested, "x.dcm"), xrayFile(4, 8, 8));
    const out = join(root, "out");
    const { status } = deid([join(nested, "..", "b", "x.dcm")], out);
    assert.equal(status, 0);
    assert.deepEqual(listAll(out), ["x.dcm"]);
    assert.deepEqual(readdirSync(dirname(out)).sort(), ["a", "out"]);
  });
});
