/**
 * Phone and camera photos: GPS, maker, dates, XMP, comments and thumbnails are found by `scan` and gone
 * after `deid`, as exiftool (an independent reader) sees it; orientation is applied to the pixels.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import sharp from "sharp";
import { HAVE_SHARED_DATA, haveTool, NO_SHARED_DATA_REASON, runCli, runTool, SHARED_DATA, tempDir } from "../helpers/run-cli.ts";

/** Every tag exiftool reports, less the ones about the file itself and the decoding essentials. */
function exifTags(path: string): string[] {
  const r = runTool("exiftool", ["-a", "-G1", "-s", "-j", path]);
  const [obj] = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  return Object.keys(obj ?? {}).filter((k) => !/^(SourceFile|ExifTool:|System:|File:|Composite:|JFIF:|Adobe:|APP14:|PNG:|PNG-pHYs:|IHDR)/.test(k));
}

describe("photo metadata", { skip: haveTool("exiftool") ? false : "exiftool not installed" }, () => {
  it("a photo of an X-ray made with GPS, owner and comment metadata comes out with none", async () => {
    const dir = tempDir("photo");
    const src = join(dir, "IMG_2044.jpg");
    await sharp({ create: { width: 60, height: 40, channels: 3, background: "#777" } }).jpeg().toFile(src);
    const e = runTool("exiftool", ["-overwrite_original", "-GPSLatitude=41.88", "-GPSLatitudeRef=N", "-GPSLongitude=87.62", "-GPSLongitudeRef=W",
      "-Make=Apple", "-Model=iPhone 15", "-SerialNumber=F2LXK9", "-OwnerName=Jane Doe", "-Artist=Jane Doe", "-XMP-dc:Creator=Jane Doe",
      "-IPTC:By-line=Jane Doe", "-Comment=MRN 12345678 chest film", "-DateTimeOriginal=2026:03:01 10:00:00", "-Orientation#=6", src]);
    assert.equal(e.status, 0, e.stderr);
    assert.ok(exifTags(src).length > 8, "the fixture carries metadata");

    const scan = runCli(["scan", "--json", src]);
    const found = (JSON.parse(scan.stdout) as { files: Array<{ findings: Array<{ category: string }> }> }).files[0]!.findings.map((f) => f.category);
    for (const c of ["geography", "device-id", "names", "dates", "mrn"]) assert.ok(found.includes(c), `${c} not found: ${found.join(",")}`);

    const out = tempDir("photo-out");
    const r = runCli(["deid", src, "--out", out, "--allow-burned-in-risk", "--json"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const written = join(out, "IMG_2044.jpg");
    assert.deepEqual(exifTags(written), []);
    const meta = await sharp(written).metadata();
    assert.deepEqual([meta.width, meta.height], [40, 60], "orientation 6 applied to the pixels");
  });

  it("PNG text chunks are dropped and the pixels kept exactly", async () => {
    const dir = tempDir("png");
    const src = join(dir, "scan.png");
    await sharp({ create: { width: 16, height: 16, channels: 3, background: "#345" } }).png().toFile(src);
    runTool("exiftool", ["-overwrite_original", "-PNG:Comment=Patient Jane Doe DOB 03/17/1958", "-PNG:Author=Dr. Who", src]);
    const out = tempDir("png-out");
    const r = runCli(["deid", src, "--out", out, "--allow-burned-in-risk", "--json"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(exifTags(join(out, "scan.png")), []);
    const before = await sharp(src).raw().toBuffer();
    const after = await sharp(join(out, "scan.png")).raw().toBuffer();
    assert.ok(before.equals(after));
  });

  it("the public exif samples (GPS, maker notes, XMP, orientation 1–8) all come out clean", { skip: HAVE_SHARED_DATA ? false : NO_SHARED_DATA_REASON }, () => {
    const out = tempDir("exif-out");
    const r = runCli(["deid", join(SHARED_DATA, "dev/photos"), "--out", out, "--allow-burned-in-risk", "--json"]);
    assert.equal(r.status, 0, r.stdout);
    const report = JSON.parse(r.stdout) as { files: Array<{ output: string }> };
    assert.ok(report.files.length >= 15);
    for (const f of report.files) assert.deepEqual(exifTags(join(out, f.output)), [], f.output);
  });

  it("a photo is refused without --allow-burned-in-risk: its labels are in the pixels", async () => {
    const dir = tempDir("photo-risk");
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "#777" } }).jpeg().toFile(join(dir, "film.jpg"));
    const out = tempDir("photo-risk-out");
    const r = runCli(["deid", dir, "--out", out, "--json"]);
    assert.equal(r.status, 3);
    const f = (JSON.parse(r.stdout) as { files: Array<{ status: string; reason: string }> }).files[0]!;
    assert.equal(f.status, "refused");
    assert.match(f.reason, /--allow-burned-in-risk/);
  });

  it("a second image appended after the JPEG end marker does not survive", async () => {
    const dir = tempDir("trailer");
    const main = await sharp({ create: { width: 16, height: 16, channels: 3, background: "#555" } }).jpeg().toBuffer();
    const hidden = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#999" } }).withExif({ IFD0: { Make: "NIKON", Artist: "Jane Doe" } }).jpeg().toBuffer();
    writeFileSync(join(dir, "trailer.jpg"), Buffer.concat([main, hidden]));
    const scan = runCli(["scan", "--json", join(dir, "trailer.jpg")]);
    assert.ok((JSON.parse(scan.stdout) as { files: Array<{ findings: Array<{ field: string }> }> }).files[0]!.findings.some((f) => f.field === "data after end of image"));
    const out = tempDir("trailer-out");
    const r = runCli(["deid", dir, "--out", out, "--allow-burned-in-risk", "--json"]);
    assert.equal(r.status, 0, r.stdout);
    const written = readFileSync(join(out, "trailer.jpg"));
    assert.equal(written.includes(Buffer.from("NIKON")), false);
    assert.equal(written.includes(Buffer.from("Jane Doe")), false);
    assert.deepEqual((await sharp(written).raw().toBuffer()).equals(await sharp(main).raw().toBuffer()), true);
  });

  it("a file that only claims to be a photo is refused, not passed through", () => {
    const dir = tempDir("fake");
    writeFileSync(join(dir, "fake.jpg"), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10]), Buffer.from("Exif\0\0garbage-garbage")]));
    const r = runCli(["deid", dir, "--out", tempDir("fake-out"), "--allow-burned-in-risk", "--json"]);
    assert.equal(r.status, 3);
    assert.equal((JSON.parse(r.stdout) as { files: Array<{ code: string }> }).files[0]?.code, "RV_PHOTO_UNREADABLE");
  });
});

describe("HEIC from a phone", { skip: haveTool("heif-enc") && haveTool("exiftool") ? false : "heif-enc (libheif-examples) or exiftool not installed" }, () => {
  it("finds GPS and device in a HEIC photo and writes a metadata-free PNG", async () => {
    const dir = tempDir("heic");
    const jpg = join(dir, "src.jpg");
    await sharp({ create: { width: 48, height: 32, channels: 3, background: "#6a6a6a" } }).jpeg().toFile(jpg);
    runTool("exiftool", ["-overwrite_original", "-GPSLatitude=41.88", "-GPSLatitudeRef=N", "-Make=Apple", "-Model=iPhone 15", jpg]);
    const heic = join(dir, "IMG_0001.HEIC");
    const enc = runTool("heif-enc", ["-q", "90", jpg, "-o", heic]);
    assert.equal(enc.status, 0, enc.stderr);
    const scan = runCli(["scan", "--json", heic]);
    const file = (JSON.parse(scan.stdout) as { files: Array<{ kind: string; findings: Array<{ category: string }> }> }).files[0]!;
    assert.equal(file.kind, "photo");
    assert.ok(file.findings.some((f) => f.category === "geography"), "GPS found");
    assert.ok(file.findings.some((f) => f.category === "device-id"), "device found");
    const out = tempDir("heic-out");
    const r = runCli(["deid", heic, "--out", out, "--allow-burned-in-risk", "--json"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const written = join(out, "IMG_0001.png");
    assert.deepEqual(exifTags(written), []);
    const meta = await sharp(written).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["png", 48, 32]);
  });
});
