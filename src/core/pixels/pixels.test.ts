import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { labelBox, labelledFrame, seeded, type Label } from "../../../test/fixtures/bitmap-text.ts";
import { gradientXray } from "../../../test/fixtures/synthetic-dicom.ts";
import { memorySource } from "../../ports/byte-source.ts";
import { parseDicom } from "../dicom/parse-dicom.ts";
import { dateForms, findNeedles, phiNeedles } from "./match-phi.ts";
import { assertComplete, fillRegions, frameToGrey, frameValues, nativePixelData, pixelLayout, type PixelLayout } from "./pixel-data.ts";
import { addRegions, coverage, cropGrey, groupBlocks, groupLines, intersects, median3, mergeOverlapping, offsetWords, regionMask, type Box, type TextWord } from "./regions.ts";
import { extremeLines, findTextLike, textLikeLines, type TextLike } from "./text-like.ts";
import { textRegions } from "./text-regions.ts";

function image(bytes: Uint8Array): { layout: PixelLayout; pixels: Uint8Array } {
  const file = parseDicom(memorySource(bytes));
  return { layout: pixelLayout(file.dataset), pixels: nativePixelData(file, bytes)! };
}

const u16 = (p: Uint8Array, i: number): number => p[2 * i]! | (p[2 * i + 1]! << 8);

/** The shape search of a generated frame's first frame. */
const shapesOf = (f: { pixels: Uint8Array; layout: PixelLayout }): TextLike => findTextLike(frameValues(f.pixels, f.layout, 0), f.layout.columns, f.layout.rows);

/** A recognised word. */
const word = (text: string, box: Box, confidence: number): TextWord => ({ text, box, confidence });

describe("pixel cleaning, pure parts", () => {
  it("fills the regions with the frame's darkest value and leaves every other byte alone", () => {
    const { layout, pixels } = image(gradientXray(1, 40, 50));
    const out = fillRegions(pixels, layout, [[10, 5, 20, 9], [45, 35, 60, 60]]);
    let min = Infinity;
    for (let i = 0; i < 40 * 50; i++) min = Math.min(min, u16(pixels, i));
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 50; x++) {
        const inside = (x >= 10 && x < 20 && y >= 5 && y < 9) || (x >= 45 && y >= 35);
        assert.equal(u16(out, y * 50 + x), inside ? min : u16(pixels, y * 50 + x), `(${x},${y})`);
      }
    }
    assert.equal(u16(pixels, 5 * 50 + 10), u16(image(gradientXray(1, 40, 50)).pixels, 5 * 50 + 10), "the input is not modified");
  });

  it("MONOCHROME1 fills with the maximum (shown black) and is shown inverted to OCR", () => {
    const { layout, pixels } = image(gradientXray(2, 20, 20));
    const mono1: PixelLayout = { ...layout, photometric: "MONOCHROME1" };
    let max = -Infinity;
    for (let i = 0; i < 400; i++) max = Math.max(max, u16(pixels, i));
    assert.equal(u16(fillRegions(pixels, mono1, [[0, 0, 2, 2]]), 0), max);
    assert.equal(frameToGrey(pixels, mono1, 0)[0], 255 - frameToGrey(pixels, layout, 0)[0]!);
  });

  it("refuses pixel data shorter than the header says", () => {
    const { layout, pixels } = image(gradientXray(3, 20, 20));
    assert.throws(() => assertComplete(pixels.subarray(0, 100), layout), /RV_PIXELS_UNDECODABLE|holds 100 bytes/);
    assert.throws(() => fillRegions(pixels.subarray(0, 100), layout, []), /holds 100 bytes/);
  });

  it("finds letter-like strokes drawn at the maximum as a text line, and nothing in a smooth image", () => {
    const strokes = [0, 1, 2, 3, 4].map((i) => ({ x: 30 + 10 * i, y: 40 }));
    const withText = image(gradientXray(4, 128, 160, strokes));
    const lines = textLikeLines(withText.pixels, withText.layout, 0);
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0], [30, 40, 77, 50]);
    const plain = image(gradientXray(4, 128, 160));
    assert.deepEqual(textLikeLines(plain.pixels, plain.layout, 0), []);
  });

  // Each found line must lie on a label, and each label must be inside the found lines.
  function assertFindsExactly(found: readonly Box[], labels: readonly Label[], w: number, h: number): void {
    const mask = regionMask(found, w, h);
    for (const l of labels) assert.ok(coverage(labelBox(l), mask, w, h) >= 0.95, `label "${l.text}" found (${(100 * coverage(labelBox(l), mask, w, h)).toFixed(0)} % covered)`);
    for (const f of found) assert.ok(labels.some((l) => intersects(f, labelBox(l))), `line ${f.join(",")} is not on a label`);
  }

  it("finds 7-pixel labels by shape on noise, bright or dark, at or away from the frame's extremes", () => {
    const rnd = seeded(7);
    const w = 320;
    const h = 240;
    // Noise (0–900) with a bright smooth "bone" (up to 4095) on the right: the labels are far from the range's ends.
    const background = (x: number, y: number): number => (x > 230 ? 3000 + Math.round(1095 * Math.sin((y / h) * Math.PI)) : Math.round(900 * rnd()));
    const labels: Label[] = [
      { x: 10, y: 10, text: "ID 6774825273", value: 2600 },
      { x: 10, y: 21, text: "KAUFMAN SCOTT", value: 2600 },
      // Dark on the bright plateau.
      { x: 236, y: 100, text: "SEX M", value: 100 },
    ];
    const { pixels, layout } = labelledFrame(w, h, background, labels);
    assertFindsExactly(textLikeLines(pixels, layout, 0), labels, w, h);
  });

  it("finds no text in noise over the whole range, in a smooth image with edges, or in a flat frame", () => {
    const rnd = seeded(11);
    for (const background of [
      () => Math.round(4095 * rnd()),
      (x: number, y: number) => ((x - 160) ** 2 + (y - 120) ** 2 < 90 ** 2 ? 3500 : 200) + Math.round(40 * rnd()),
      () => 1000,
    ]) {
      const { pixels, layout } = labelledFrame(320, 240, background, []);
      assert.deepEqual(textLikeLines(pixels, layout, 0), []);
    }
  });

  it("on a busy frame, finds a label drawn at the frame's minimum across noise and stripes that reach the minimum too", () => {
    const rnd = seeded(13);
    const w = 320;
    const h = 160;
    // Noise over the whole range, crossed by diagonal stripes at the minimum (moiré on a tomosynthesis
    // slice): the search by contrast sees specks everywhere and trusts no row.
    const background = (x: number, y: number): number => ((x + 2 * y) % 11 < 2 ? 0 : 1 + Math.round(4094 * rnd()));
    const label: Label = { x: 20, y: 60, text: "HENRY NICOLE F", value: 0, scale: 2 };
    const frame = labelledFrame(w, h, background, [label]);
    const found = shapesOf(frame);
    assert.equal(found.busy, true);
    assert.ok(coverage(labelBox(label), regionMask(found.lines, w, h), w, h) < 0.5, "the search by contrast loses it");
    assertFindsExactly(found.extreme, [label], w, h);
    assertFindsExactly(extremeLines(frameValues(frame.pixels, frame.layout, 0), frame.layout.columns, frame.layout.rows), [label], w, h);
    const bare = labelledFrame(w, h, background, []);
    assert.deepEqual(shapesOf(bare).extreme, [], "the stripes alone are no line");
  });

  it("finds small dark captions near the frame's minimum on a dark noisy background the search by contrast passes over", () => {
    const rnd = seeded(17);
    const w = 200;
    const h = 120;
    // A dark noisy field (6–24 % of the range) beside a bright plateau; one-pixel strokes at the minimum.
    const background = (x: number): number => (x >= 150 ? 4095 : 250 + Math.round(750 * rnd()));
    const labels: Label[] = [
      { x: 10, y: 20, text: "STUDY DATE", value: 0 },
      { x: 10, y: 30, text: "PATIENT ID", value: 0 },
    ];
    const frame = labelledFrame(w, h, background, labels);
    const found = shapesOf(frame);
    assert.equal(found.busy, false);
    for (const l of labels) assert.ok(coverage(labelBox(l), regionMask(found.lines, w, h), w, h) < 0.5, `the search by contrast passes over "${l.text}"`);
    assertFindsExactly(found.extreme, labels, w, h);
    const bare = labelledFrame(w, h, background, []);
    assert.deepEqual(shapesOf(bare).extreme, [], "the noise alone is no line");
  });

  it("on a busy frame, also finds a label drawn near the minimum (not at it) that the median at the minimum loses", () => {
    const rnd = seeded(19);
    const w = 320;
    const h = 120;
    // Noise over all but the bottom of the range; the label's strokes alternate between the minimum and
    // a little above it, as a JPEG or a rescale leaves them.
    const label: Label = { x: 20, y: 40, text: "KIM JONES ORTHOPEDICS", value: 0, scale: 2 };
    const frame = labelledFrame(w, h, () => 200 + Math.round(3895 * rnd()), [label]);
    const values = new Uint16Array(frame.pixels.buffer);
    for (let i = 0; i < values.length; i++) if (values[i] === 0 && i % 2 === 1) values[i] = 60;
    const found = shapesOf(frame);
    assert.equal(found.busy, true);
    assertFindsExactly(found.extreme, [label], w, h);
  });

  it("joins a line read with one confident word to the label it stands under, not one standing apart or on a busy frame", () => {
    const label = [word("Name:", [100, 100, 130, 112], 90), word("KAUFMAN", [134, 100, 190, 112], 92)];
    const under = [word("Age:", [100, 121, 124, 133], 30), word("70", [128, 121, 140, 133], 88)];
    const apart = [word("ID:", [100, 300, 118, 312], 30), word("42", [122, 300, 134, 312], 88)];
    const input = { width: 400, height: 400, words: [...label, ...under, ...apart], needles: [], ruleRegions: [] };
    const mask = regionMask(textRegions(input).regions, 400, 400);
    assert.equal(coverage([100, 121, 140, 133], mask, 400, 400), 1, "the line under the label");
    assert.equal(coverage([100, 300, 134, 312], mask, 400, 400), 0, "not the line far below");
    const busy = regionMask(textRegions({ ...input, busy: true, textLike: [[98, 99, 192, 113]] }).regions, 400, 400);
    assert.ok(coverage([100, 121, 140, 133], busy, 400, 400) < 1, "on a busy frame one confident word is noise");
  });

  it("grows a block of captions a few pixels high by a whole line, one of legible text by half a line", () => {
    const block = (line: number): Box[] => [[50, 100, 200, 100 + line], [50, 100 + 2 * line, 180, 100 + 3 * line]];
    for (const [line, grow] of [[6, 1.6], [12, 0.8]] as const) {
      const r = textRegions({ width: 400, height: 400, words: [], needles: [], ruleRegions: [], textLike: block(line) });
      const margin = Math.max(2, Math.round(0.4 * line));
      assert.deepEqual([Math.min(...r.regions.map((b) => b[1])), Math.max(...r.regions.map((b) => b[3]))], [100 - Math.round(grow * line) - margin, 100 + 3 * line + Math.round(grow * line) + margin], `${line}-px lines`);
    }
  });

  it("joins extreme-value lines standing next to a label's block, a line at a time, and no others", () => {
    const input = { width: 400, height: 200, words: [], needles: [], ruleRegions: [], textLike: [[10, 60, 100, 67], [10, 70, 90, 77]] as Box[] };
    const above: Box[] = [[12, 51, 95, 58], [10, 42, 98, 49], [10, 33, 96, 40]];
    const far: Box = [10, 150, 100, 157];
    const mask = regionMask(textRegions({ ...input, extreme: [...above, far] }).regions, 400, 200);
    for (const b of above) assert.equal(coverage(b, mask, 400, 200), 1, `the line above at ${b[1]} joins`);
    assert.equal(coverage(far, mask, 400, 200), 0, "a line far below the block does not");
  });

  it("takes a line found at a busy frame's extreme value only where it carries on a line read or seen", () => {
    // "2019" read; the rest of its line only found among the pixels at the minimum.
    const input = { width: 400, height: 200, words: [word("2019", [80, 64, 110, 76], 96)], needles: [], ruleRegions: [], busy: true };
    const extreme: Box[] = [[82, 63, 330, 77], [150, 150, 260, 160]];
    const mask = regionMask(textRegions({ ...input, extreme }).regions, 400, 200);
    assert.equal(coverage([82, 63, 330, 77], mask, 400, 200), 1, "the line the word starts is taken whole");
    assert.equal(coverage([150, 150, 260, 160], mask, 400, 200), 0, "a line with nothing read or seen on it is not");
    const alone = textRegions({ ...input, words: [], extreme });
    assert.deepEqual(alone.regions, [], "extreme lines alone clean nothing");
  });

  it("a 3 × 3 median takes lone specks away and keeps strokes two pixels wide", () => {
    const w = 12;
    const h = 10;
    const grey = new Uint8Array(w * h);
    grey[2 * w + 2] = 255; // a speck
    for (let y = 4; y < 9; y++) grey[y * w + 7] = grey[y * w + 8] = 200; // a stroke 2 px wide, 5 high
    const out = median3(grey, w, h);
    assert.equal(out[2 * w + 2], 0, "the speck is gone");
    for (let y = 5; y < 8; y++) assert.deepEqual([out[y * w + 7], out[y * w + 8]], [200, 200], `the stroke stays on row ${y}`);
    assert.equal(out.length, grey.length);
  });

  it("cuts a box out of a picture and puts the words read in it back in place", () => {
    const grey = Uint8Array.from({ length: 20 * 10 }, (_, i) => i % 256);
    const c = cropGrey(grey, 20, 10, [15, 8, 30, 12]);
    assert.deepEqual([c.width, c.height, [...c.box]], [5, 2, [15, 8, 20, 10]]);
    assert.deepEqual([...c.grey], [175, 176, 177, 178, 179, 195, 196, 197, 198, 199]);
    assert.deepEqual(offsetWords([{ text: "A", confidence: 90, box: [1, 1, 3, 2] }], 15, 8)[0]!.box, [16, 9, 18, 10]);
  });

  it("matches header identifiers as labels print them, with one OCR slip, not short fragments", () => {
    const needles = phiNeedles([{ kind: "name", value: "KAUFMAN^SCOTT" }, { kind: "id", value: "6774825273" }, { kind: "date", value: "19430722" }]);
    assert.deepEqual(dateForms("20130911").slice(0, 2), ["20130911", "09112013"]);
    assert.ok(dateForms("20130911").includes("2013SEP11"));
    assert.deepEqual(findNeedles("DOB: 07/22/1943", needles), ["07221943"]);
    assert.deepEqual(findNeedles("Name: KAUFMAN SC0TT", needles), ["KAUFMAN", "SCOTT"], "0 read for O");
    assert.deepEqual(findNeedles("Patient ID: 6774825278", needles), ["6774825273"], "one digit misread still matches");
    assert.deepEqual(findNeedles("AP PORTABLE 70", needles), []);
  });

  it("takes whole lines and the block they form, with a margin; ignores unconfident noise", () => {
    const words = [
      word("Name:", [100, 100, 130, 108], 40),
      word("KAUFMAN", [134, 100, 180, 108], 92),
      word("Age:", [100, 112, 120, 120], 30),
      word("70", [124, 112, 134, 120], 88),
      word("ws", [300, 300, 310, 306], 44),
    ];
    const r = textRegions({ width: 400, height: 400, words, needles: ["KAUFMAN"], ruleRegions: [] });
    const mask = regionMask(r.regions, 400, 400);
    for (const w of words.slice(0, 4)) assert.equal(coverage(w.box, mask, 400, 400), 1, w.text);
    assert.ok(r.regions.every((b) => intersects(b, [90, 95, 190, 125])), `only around the label: ${JSON.stringify(r.regions)}`);
    assert.equal(coverage([300, 300, 310, 306], mask, 400, 400), 0, "noise left alone");
    assert.equal(r.identifierLines, 1);
  });

  it("carries a line on over its fainter end, and not over noise beside a line", () => {
    const rnd = seeded(5);
    const background = (x: number): number => (x > 280 ? 4095 : Math.round(900 * rnd()));
    // "KAUFMAN" at full contrast, "SCOTT" after it at a contrast the line search alone does not take.
    const strong: Label = { x: 10, y: 20, text: "ID KAUFMAN", value: 2600 };
    const faint: Label = { x: 10 + 11 * 6, y: 20, text: "SCOTT", value: 1800 };
    const both = labelledFrame(320, 120, background, [strong, faint]);
    const lines = textLikeLines(both.pixels, both.layout, 0);
    assert.equal(lines.length, 1);
    assert.ok(coverage(labelBox(faint), regionMask(lines, 320, 120), 320, 120) >= 0.95, `the faint end is part of the line: ${lines[0]!.join(",")}`);
    const alone = labelledFrame(320, 120, background, [faint]);
    assert.deepEqual(textLikeLines(alone.pixels, alone.layout, 0), [], "the faint word alone is not a line");
  });

  it("takes a line's confident words and their neighbours, not the noise words strung along its row", () => {
    const words = [
      word("ae", [10, 100, 18, 108], 30),
      word("Oe", [40, 100, 48, 108], 31),
      word("Name:", [70, 100, 100, 108], 45),
      word("KAUFMAN", [104, 100, 150, 108], 92),
      word("ay", [200, 100, 208, 108], 33),
    ];
    const r = textRegions({ width: 400, height: 400, words, needles: [], ruleRegions: [] });
    const mask = regionMask(r.regions, 400, 400);
    assert.equal(coverage([70, 100, 150, 108], mask, 400, 400), 1, "the word and its neighbour at word spacing");
    assert.equal(coverage([10, 100, 48, 108], mask, 400, 400), 0, "not the unconfident words far before it");
    assert.equal(coverage([200, 100, 208, 108], mask, 400, 400), 0, "nor after it");
  });

  it("on a busy frame, short confident words count only where the shape search saw a line", () => {
    const words = [
      word("St", [100, 100, 110, 108], 70),
      word("ay", [114, 100, 124, 108], 70),
    ];
    const input = { width: 400, height: 400, words, needles: [], ruleRegions: [] };
    assert.equal(textRegions(input).lines, 1, "a quiet frame takes them");
    assert.equal(textRegions({ ...input, busy: true }).lines, 0, "a busy frame does not");
    assert.equal(textRegions({ ...input, busy: true, textLike: [[98, 99, 126, 109]] }).lines, 1, "unless a text-like line stands there");
    const long = [word("KAUFMAN", [100, 100, 150, 108], 90)];
    assert.equal(textRegions({ ...input, words: long, busy: true }).lines, 1, "a long confident word is enough");
  });

  it("keeps a lone laterality marker when asked, never one beside other text", () => {
    const marker = word("LATERAL", [20, 20, 80, 34], 95);
    const label = [word("LAT", [300, 300, 330, 312], 90), word("SMITH", [300, 316, 350, 328], 90)];
    const input = { width: 400, height: 400, words: [marker, ...label], needles: [], ruleRegions: [] };
    const all = regionMask(textRegions(input).regions, 400, 400);
    for (const w of [marker, ...label]) assert.equal(coverage(w.box, all, 400, 400), 1, `by default every text goes: ${w.text}`);
    const kept = textRegions({ ...input, keepMarkers: true });
    const mask = regionMask(kept.regions, 400, 400);
    assert.equal(coverage(marker.box, mask, 400, 400), 0, "the lone LATERAL stays");
    assert.equal(coverage(label[0]!.box, mask, 400, 400), 1, "LAT next to a name goes");
  });

  it("geometry: regions added keep their own shape; only a box inside another goes", () => {
    const label: Box = [10, 10, 100, 40];
    const beside: Box = [90, 30, 140, 45];
    const added = addRegions([label], [beside, [20, 20, 30, 30], [90, 30, 140, 45]]);
    assert.deepEqual(added, [label, beside], "overlapping boxes stay apart, a box inside one and a repeat go");
    assert.equal(regionMask(added, 200, 100).reduce((a, b) => a + b, 0), 90 * 30 + 50 * 15 - 10 * 10, "the union is filled, not the box around both");
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(60), fc.nat(60), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 })), { maxLength: 12 }), (raw) => {
      const boxes = raw.map(([x, y, w, h]): Box => [x, y, x + w, y + h]);
      assert.deepEqual(regionMask(addRegions(boxes.slice(0, 3), boxes.slice(3)), 90, 90), regionMask(boxes, 90, 90));
    }));
  });

  it("geometry: merged regions never overlap, and cover what their inputs covered", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(60), fc.nat(60), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 })), { maxLength: 12 }), (raw) => {
      const boxes = raw.map(([x, y, w, h]): Box => [x, y, x + w, y + h]);
      const merged = mergeOverlapping(boxes);
      const a = regionMask(boxes, 90, 90);
      const b = regionMask(merged, 90, 90);
      for (let i = 0; i < a.length; i++) if (a[i]) assert.equal(b[i], 1);
      for (let i = 0; i < merged.length; i++) {
        for (let j = i + 1; j < merged.length; j++) {
          const [p, q] = [merged[i]!, merged[j]!];
          assert.ok(!(p[0] < q[2] && q[0] < p[2] && p[1] < q[3] && q[1] < p[3]), "no overlap");
        }
      }
    }));
    assert.equal(groupLines([{ text: "a", box: [0, 0, 5, 8], confidence: 90 }, { text: "b", box: [8, 1, 13, 9], confidence: 90 }, { text: "c", box: [0, 40, 5, 48], confidence: 90 }]).length, 2);
    assert.deepEqual(groupBlocks([[0, 0, 50, 8], [0, 12, 40, 20], [200, 200, 240, 208]]), [[0, 0, 50, 20], [200, 200, 240, 208]]);
  });
});
