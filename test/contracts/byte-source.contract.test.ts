/**
 * Contract for every ByteSource: parsing through it gives the same dataset as parsing the bytes in
 * memory, including values that straddle the adapter's internal blocks and reads that reuse buffers.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { memorySource, type ClosableByteSource } from "../../src/ports/byte-source.ts";
import { openFileByteSource } from "../../src/adapters/fs/file-byte-source.ts";
import { parseDicom } from "../../src/core/dicom/parse-dicom.ts";
import type { DicomElement } from "../../src/core/dicom/dataset.ts";
import { part10, type El } from "../fixtures/synthetic-dicom.ts";
import { tempDir } from "../helpers/run-cli.ts";

const DX = "1.2.840.10008.5.1.4.1.1.1.1";

/** A header of ~200 kB: many values of every size around the adapters' block and scratch sizes. */
function bigHeaderFile(): Uint8Array {
  const els: El[] = [{ tag: 0x00080016, vr: "UI", value: DX }, { tag: 0x00080018, vr: "UI", value: "1.2.3.4" }];
  const sizes = [1, 7, 100, 4095, 8191, 8193, 16383, 16385, 40000, 70000];
  sizes.forEach((n, i) => els.push({ tag: 0x00291000 + i + 0x10, vr: "OB", value: Uint8Array.from({ length: n }, (_, k) => (k * 31 + i) & 0xff) }));
  els.push({ tag: 0x00290010, vr: "LO", value: "SIZES" });
  els.push({ tag: 0x00204000, vr: "LT", value: "x".repeat(30000) });
  return part10(els, { sopClass: DX, sopInstance: "1.2.3.4" });
}

const shape = (els: readonly DicomElement[]): unknown => els.map((e) => [e.tag, e.vr, e.value ? Buffer.from(e.value).toString("base64") : e.range?.length]);

const adapters: Record<string, (bytes: Uint8Array) => ClosableByteSource> = {
  memory: (bytes) => memorySource(bytes),
  file: (bytes) => {
    const path = join(tempDir("bytesource"), "f.dcm");
    writeFileSync(path, bytes);
    return openFileByteSource(path);
  },
};

for (const [name, open] of Object.entries(adapters)) {
  describe(`ByteSource contract: ${name}`, () => {
    it("parses to the same elements as the bytes in memory", () => {
      const bytes = bigHeaderFile();
      const source = open(bytes);
      try {
        assert.deepEqual(shape(parseDicom(source).dataset), shape(parseDicom(memorySource(bytes)).dataset));
      } finally {
        source.close();
      }
    });

    it("reads exactly the requested bytes at any offset", () => {
      const bytes = bigHeaderFile();
      const source = open(bytes);
      try {
        for (const [offset, length] of [[0, 1], [16380, 10], [8000, 9000], [100, 200000], [bytes.length - 3, 3]] as const) {
          assert.deepEqual(Buffer.from(source.read(offset, Math.min(length, bytes.length - offset))), Buffer.from(bytes.subarray(offset, offset + length)));
        }
      } finally {
        source.close();
      }
    });
  });
}
