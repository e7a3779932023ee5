import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fillLabels, type FillSizes } from "./label-fill.ts";
import { coverage, regionMask, type Box } from "./regions.ts";
import { textRegions } from "./text-regions.ts";

const W = 400;
const H = 300;
const sizes: FillSizes = { grow: 8, margin: 4, side: 12 };
const maskOf = (regions: readonly Box[]): Uint8Array => regionMask(regions, W, H);
const cleaned = (regions: readonly Box[]): number => maskOf(regions).reduce((a, b) => a + b, 0);

describe("label fill: what is cleaned for a block of text lines", () => {
  it("cleans each row to its own end, not the empty part beside the short rows", () => {
    // "Institution Name: Nielsen Community Hospital" over short key: value rows.
    const rows: Box[] = [[50, 40, 350, 50], [50, 54, 150, 64], [50, 68, 140, 78], [50, 82, 160, 92]];
    const regions = fillLabels([rows], sizes);
    const mask = maskOf(regions);
    for (const r of rows) assert.equal(coverage(r, mask, W, H), 1, `row at ${r[1]}`);
    assert.equal(coverage([200, 56, 340, 92], mask, W, H), 0, "beside the short rows stays");
    assert.ok(cleaned(regions) < 0.7 * (350 + 12 - 38) * (92 + 12 - 28), "well under the block's rectangle");
    assert.equal(Math.min(...regions.map((b) => b[1])), 40 - 8 - 4, "the first row grows upward");
    assert.equal(Math.max(...regions.map((b) => b[3])), 92 + 8 + 4, "the last row downward");
  });

  it("cleans the rows of a wrapped value as far as the line they continue", () => {
    // "Institution Name: Nielsen, Jimenez" / "and Aguilar" / "Hospital", then "Study Date: …" at the left again.
    const rows: Box[] = [[50, 40, 300, 50], [180, 54, 250, 64], [176, 68, 230, 78], [50, 82, 200, 92]];
    const mask = maskOf(fillLabels([rows], sizes));
    assert.equal(coverage([180, 54, 300, 64], mask, W, H), 1, "the first continuation");
    assert.equal(coverage([176, 68, 300, 78], mask, W, H), 1, "the next one, a little less indented");
    assert.equal(coverage([230, 84, 300, 90], mask, W, H), 0, "not the row back at the left edge");
  });

  it("cleans every row from the block's left edge: a key drawn in the background's value is covered", () => {
    // "Name:" lost on a white stripe, only its value found.
    const rows: Box[] = [[50, 40, 300, 50], [50, 54, 200, 64], [110, 68, 230, 78], [50, 82, 200, 92]];
    assert.equal(coverage([50, 70, 110, 76], maskOf(fillLabels([rows], sizes)), W, H), 1);
  });

  it("cleans a short row (a key whose value was lost) further along", () => {
    const rows: Box[] = [[50, 40, 250, 50], [50, 54, 72, 64], [50, 68, 240, 78]];
    const mask = maskOf(fillLabels([rows], sizes));
    assert.equal(coverage([72, 56, 100, 62], mask, W, H), 1, "the value after \"Age:\"");
    assert.equal(coverage([130, 56, 240, 62], mask, W, H), 0, "not the whole width");
  });

  it("fills a gap where a line could hide across both rows, also between two blocks; a wide gap only where they meet", () => {
    const upper: Box[] = [[50, 40, 300, 50]];
    const lower: Box[] = [[60, 70, 200, 80]];
    const hidden: Box = [50, 55, 290, 65];
    assert.equal(coverage(hidden, maskOf(fillLabels([upper, lower], sizes)), W, H), 1, "two blocks 20 px (two lines) apart");
    assert.equal(coverage(hidden, maskOf(fillLabels([[...upper, ...lower]], sizes)), W, H), 1, "two rows of one block");
    const far = fillLabels([[[50, 40, 300, 50], [60, 90, 200, 100]]], sizes);
    assert.equal(coverage([250, 62, 290, 78], maskOf(far), W, H), 0, "a gap of four lines is filled only under both rows");
    assert.equal(coverage([60, 50, 200, 90], maskOf(far), W, H), 1, "there it is");
  });

  it("keeps a member several rows tall only where the rows do not account for it", () => {
    const rows: Box[] = [[50, 40, 300, 50], [50, 54, 150, 64]];
    const explained: Box = [55, 40, 300, 64];
    assert.equal(coverage([200, 56, 280, 62], maskOf(fillLabels([[...rows, explained]], sizes)), W, H), 0, "a tall member inside the rows adds nothing");
    const beyond: Box = [55, 40, 380, 64];
    assert.equal(coverage([320, 56, 380, 62], maskOf(fillLabels([[...rows, beyond]], sizes)), W, H), 1, "one reaching past them is kept");
    const below: Box = [55, 40, 300, 80];
    assert.equal(coverage([60, 77, 290, 80], maskOf(fillLabels([[...rows, below]], sizes)), W, H), 1, "so is one reaching below what the rows clean");
  });

  it("cleans blocks of captions a few pixels high whole: a caption's far end lost on a short row is covered", () => {
    // A long first row, then two short ones whose far ends (a value at the right) were not found.
    const rows = (h: number): Box[] => [[50, 100, 300, 100 + h], [50, 100 + 1.5 * h, 90, 100 + 2.5 * h], [50, 100 + 3 * h, 90, 100 + 4 * h]];
    const lost = (h: number): Box => [200, 100 + 1.5 * h, 290, 100 + 2.5 * h];
    const regionsOf = (h: number): Box[] => textRegions({ width: W, height: H, words: [], needles: [], ruleRegions: [], textLike: rows(h) }).regions;
    assert.equal(coverage(lost(4), regionMask(regionsOf(4), W, H), W, H), 1, "4-px captions: the block's rectangle");
    assert.equal(coverage(lost(10), regionMask(regionsOf(10), W, H), W, H), 0, "10-px text: row by row");
  });
});
