import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encapsulatedPixelData } from "./write-dicom.ts";
import { encapsulatedFrame, nativeFrame } from "./frames.ts";

describe("frames as stored", () => {
  it("cuts native pixel data by the frame size", () => {
    const pixels = Uint8Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i);
    const g = { rows: 2, columns: 3, samplesPerPixel: 1, bitsAllocated: 16, frames: 2 };
    assert.deepEqual([...nativeFrame(pixels, g, 1)], [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    assert.throws(() => nativeFrame(pixels, g, 2), /no such frame/);
  });

  it("splits encapsulated pixel data one fragment per frame, or joins a single frame's fragments", () => {
    const frames = [Uint8Array.of(1, 2, 3, 4), Uint8Array.of(5, 6)];
    const value = encapsulatedPixelData(frames);
    assert.deepEqual([...encapsulatedFrame(value, 2, 0)], [1, 2, 3, 4]);
    assert.deepEqual([...encapsulatedFrame(value, 2, 1)], [5, 6]);
    assert.deepEqual([...encapsulatedFrame(value, 1, 0)], [1, 2, 3, 4, 5, 6]);
    assert.throws(() => encapsulatedFrame(value, 3, 0), /cannot be told apart/);
    assert.throws(() => encapsulatedFrame(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), 1, 0), /not a sequence of items/);
  });
});
