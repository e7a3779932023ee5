/** JPEG/PNG metadata walking and lossless stripping, on images made in the test with sharp. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import { RayvaultError } from "../errors.ts";
import { jpegMetadata, pngMetadata, sniffImageKind, stripJpeg, stripPng } from "./image-segments.ts";

async function jpegWithMetadata(): Promise<Buffer> {
  const base = await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 90, g: 90, b: 90 } } })
    .withExif({ IFD0: { Artist: "Jane Doe", ImageDescription: "MRN 12345678" } })
    .jpeg()
    .toBuffer();
  // Add a COM segment after SOI, as cameras and scanners do.
  const comment = Buffer.from("patient Jane Doe 217-555-0147");
  const com = Buffer.concat([Buffer.from([0xff, 0xfe, 0, comment.length + 2]), comment]);
  return Buffer.concat([base.subarray(0, 2), com, base.subarray(2)]);
}

describe("image segments", () => {
  it("sniffs image kinds from bytes", async () => {
    assert.equal(sniffImageKind(await jpegWithMetadata()), "jpeg");
    assert.equal(sniffImageKind(await sharp({ create: { width: 2, height: 2, channels: 3, background: "#000" } }).png().toBuffer()), "png");
    assert.equal(sniffImageKind(new TextEncoder().encode("plain text")), undefined);
  });

  it("finds EXIF and comments in a JPEG and strips them without touching the scan", async () => {
    const input = await jpegWithMetadata();
    const kinds = jpegMetadata(input).map((b) => b.kind);
    assert.ok(kinds.includes("Exif") && kinds.includes("comment"));
    const out = stripJpeg(input);
    assert.deepEqual(jpegMetadata(out).filter((b) => b.kind !== "JFIF" && b.kind !== "Adobe"), []);
    const sos = (b: Uint8Array): number => Buffer.from(b).indexOf(Buffer.from([0xff, 0xda]));
    assert.ok(Buffer.from(input).subarray(sos(input)).equals(Buffer.from(out).subarray(sos(out))), "entropy-coded data identical");
    const before = await sharp(input).raw().toBuffer();
    const after = await sharp(Buffer.from(out)).raw().toBuffer();
    assert.ok(before.equals(after), "decoded pixels identical");
  });

  it("strips PNG text and EXIF chunks losslessly", async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#123456" } }).withExif({ IFD0: { Artist: "Jane Doe" } }).png().toBuffer();
    const text = Buffer.from("tEXtComment\0Jane Doe");
    const crc = Buffer.alloc(4);
    const chunk = Buffer.concat([Buffer.from([0, 0, 0, text.length - 4]), text, crc]);
    const withText = Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
    assert.ok(pngMetadata(withText).some((b) => b.kind === "text"));
    const out = stripPng(withText);
    assert.deepEqual(pngMetadata(out), []);
    assert.ok((await sharp(png).raw().toBuffer()).equals(await sharp(Buffer.from(out)).raw().toBuffer()));
  });

  it("refuses truncated images", async () => {
    const input = await jpegWithMetadata();
    assert.throws(() => stripJpeg(input.subarray(0, 40)), RayvaultError);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } }).png().toBuffer();
    assert.throws(() => stripPng(png.subarray(0, png.length - 20)), RayvaultError);
  });
});
