/**
 * A 500 MB multi-frame file is de-identified in constant memory: the pixel data streams from disk to
 * disk and never sits in the heap. Peak RSS of the whole CLI process must stay under 100 MB.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { part10, syntheticPatient } from "../fixtures/synthetic-dicom.ts";
import { BIN, CLI, tempDir } from "../helpers/run-cli.ts";

const FRAMES = 250;
const FRAME_BYTES = 1024 * 1024 * 2; // 1024 × 1024 × 16 bit

/** Writes the header with a Pixel Data length for all frames, then the frames one at a time. */
function writeLargeMultiframe(path: string): void {
  const p = syntheticPatient(9);
  const u16 = (v: number): Uint8Array => new Uint8Array([v & 0xff, v >> 8]);
  const sop = "1.2.826.0.1.3680043.9.7433.10.1";
  const sopClass = "1.2.840.10008.5.1.4.1.1.12.1"; // XA
  const header = part10(
    [
      { tag: 0x00080016, vr: "UI", value: sopClass },
      { tag: 0x00080018, vr: "UI", value: sop },
      { tag: 0x00080060, vr: "CS", value: "XA" },
      { tag: 0x00100010, vr: "PN", value: p.name },
      { tag: 0x00100020, vr: "LO", value: p.id },
      { tag: 0x0020000d, vr: "UI", value: p.studyUid },
      { tag: 0x00280002, vr: "US", value: u16(1) },
      { tag: 0x00280004, vr: "CS", value: "MONOCHROME2" },
      { tag: 0x00280008, vr: "IS", value: String(FRAMES) },
      { tag: 0x00280010, vr: "US", value: u16(1024) },
      { tag: 0x00280011, vr: "US", value: u16(1024) },
      { tag: 0x00280100, vr: "US", value: u16(16) },
      { tag: 0x00280101, vr: "US", value: u16(12) },
      { tag: 0x00280102, vr: "US", value: u16(11) },
      { tag: 0x00280103, vr: "US", value: u16(0) },
    ],
    { sopClass, sopInstance: sop },
  );
  const fd = openSync(path, "w");
  writeSync(fd, header);
  const pixelHeader = new Uint8Array([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0, 0, 0, 0, 0, 0]);
  new DataView(pixelHeader.buffer).setUint32(8, FRAMES * FRAME_BYTES, true);
  writeSync(fd, pixelHeader);
  const frame = Buffer.alloc(FRAME_BYTES);
  for (let i = 0; i < FRAMES; i++) {
    frame.fill(i & 0xff);
    writeSync(fd, frame);
  }
  closeSync(fd);
}

describe("large multi-frame file", () => {
  it("de-identifies 500 MB with a peak RSS under 100 MB", () => {
    const dir = tempDir("large");
    const input = join(dir, "in", "cine.dcm");
    spawnSync("mkdir", ["-p", join(dir, "in")]);
    writeLargeMultiframe(input);
    assert.ok(statSync(input).size > 500 * 1024 * 1024);
    // Run the real CLI and report its own peak RSS (kB) on exit.
    // As bin/rayvault.js does: compile cache on (warmed by a first run), then the CLI.
    spawnSync(process.execPath, [BIN, "--version"]);
    const probe = `process.on("exit", () => process.stderr.write("MAXRSS_KB=" + process.resourceUsage().maxRSS + "\\n")); (await import("node:module")).enableCompileCache(); const cli = await import(${JSON.stringify(CLI)}); await cli.main(process.argv.slice(1));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe, "--", "deid", join(dir, "in"), "--out", join(dir, "out"), "--allow-burned-in-risk", "--json"], {
      encoding: "utf8",
      env: { ...process.env, RAYVAULT_HOME: join(dir, "home") },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const rssKb = Number(/MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1]);
    assert.ok(rssKb > 0, r.stderr);
    assert.ok(rssKb < 100 * 1024, `peak RSS ${Math.round(rssKb / 1024)} MB`);
    process.stdout.write(`# 500 MB multi-frame: peak RSS ${Math.round(rssKb / 1024)} MB\n`);
    const report = JSON.parse(r.stdout) as { files: Array<{ output: string }> };
    assert.ok(statSync(join(dir, "out", report.files[0]!.output)).size > 500 * 1024 * 1024, r.stdout);
  });
});
