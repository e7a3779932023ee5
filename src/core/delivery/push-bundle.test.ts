import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ctSliceFile } from "../../../test/fixtures/synthetic-dicom.ts";
import { bundleFiles, outgoingInstance, unbundleFiles } from "./push-bundle.ts";

describe("DICOM push bundle", () => {
  it("keeps the prepared files whole and names what each C-STORE sends", async () => {
    const files = [ctSliceFile(5, 0), ctSliceFile(5, 1)];
    const parts: Uint8Array[] = [];
    for await (const p of bundleFiles((async function* () { yield* files; })())) parts.push(p);
    const back = unbundleFiles(Buffer.concat(parts));
    assert.deepEqual(back.map((b) => Buffer.from(b)), files.map((f) => Buffer.from(f)));
    const out = outgoingInstance(back[1]!);
    assert.equal(out.sopClassUid, "1.2.840.10008.5.1.4.1.1.2");
    assert.equal(out.sopInstanceUid, "1.2.826.0.1.3680043.9.7433.5.5.2");
    assert.equal(out.transferSyntaxUid, "1.2.840.10008.1.2.1");
    const groupLength = Buffer.from(files[1]!).readUInt32LE(140);
    assert.ok(Buffer.from(out.dataset).equals(Buffer.from(files[1]!).subarray(144 + groupLength)));
    assert.throws(() => unbundleFiles(Buffer.from("not a bundle")), /not a push bundle/);
    assert.throws(() => unbundleFiles(Buffer.concat(parts).subarray(0, 100)), /truncated/);
  });
});
