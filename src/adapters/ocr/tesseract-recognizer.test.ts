import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { bandsFor, upscaleFor } from "./tesseract-recognizer.ts";

describe("tesseract recognizer, how a picture is cut for its workers", () => {
  it("reads small pictures whole, and cuts large ones into one band per worker", () => {
    assert.deepEqual(bandsFor(120, 40, 2), [[0, 40]]);
    assert.deepEqual(bandsFor(200, 200, 2), [[0, 200]], "under 256 × 256");
    assert.deepEqual(bandsFor(3000, 3000, 1), [[0, 3000]], "one worker");
    assert.deepEqual(bandsFor(3000, 3000, 2), [[0, 1680], [1320, 3000]]);
  });

  it("every caption up to a twentieth of the longer side lies whole in some band", () => {
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 4000 }), fc.integer({ min: 16, max: 4000 }), fc.integer({ min: 1, max: 4 }), fc.double({ min: 0, max: 1, noNaN: true }), (w, h, workers, at) => {
        const bands = bandsFor(w, h, workers);
        assert.equal(bands[0]![0], 0);
        assert.equal(bands[bands.length - 1]![1], h);
        const caption = Math.min(h, Math.ceil(0.05 * Math.max(w, h)));
        const y0 = Math.floor(at * (h - caption));
        assert.ok(bands.some(([a, b]) => a <= y0 && y0 + caption <= b), `caption at ${y0}+${caption} in ${JSON.stringify(bands)}`);
      }),
    );
  });

  it("enlarges small pictures up to six times so 4–8 px captions reach a readable size", () => {
    assert.equal(upscaleFor(256, 256), 6);
    assert.equal(upscaleFor(552, 394), 4);
    assert.equal(upscaleFor(3000, 3000), 1);
  });
});
