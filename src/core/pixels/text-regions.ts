/**
 * @module core/pixels/text-regions
 * Decides which pixels to clean from what text recognition and the shape search saw: every line that
 * holds a confidently read word or a header identifier, and every text-like line, grouped into the
 * blocks of lines they belong to (a burned-in label is a block; recognition often misses its captions),
 * each block cleaned row by row (label-fill) or, for captions a few pixels high, whole, with a margin of
 * a fraction of the line height (a letter or so sideways), plus the device regions the CTP-derived
 * rules give. A line found among the pixels at or near an extreme value is taken where it
 * carries on a line read or seen on its row, or stands next to a label's block (its first or last
 * lines); so is a line read with a single confident word, next to a block. Everything that reads as
 * text goes, not only what matches the header: the header may lie or be incomplete. Pure.
 */
import { fillLabels } from "./label-fill.ts";
import { findNeedles } from "./match-phi.ts";
import { addRegions, bounds, clip, expand, groupBlocks, groupLines, height, intersects, median, mergeOverlapping, onOneRow, type Box, type TextWord } from "./regions.ts";

export interface TextRegionsInput {
  readonly width: number;
  readonly height: number;
  /** Words from every rendering, in image pixels. */
  readonly words: readonly TextWord[];
  readonly needles: readonly string[];
  /** Regions from device rules (CTP recipes). */
  readonly ruleRegions: readonly Box[];
  /** Text-like lines found without recognition (strokes at one value). */
  readonly textLike?: readonly Box[];
  /**
   * The frame is busy (noise, moiré): recognition "reads" short words in it by the dozen, so a line of
   * short words counts only where the shape search saw a text-like line too.
   */
  readonly busy?: boolean;
  /**
   * Lines found among the pixels at or near the frame's extreme values: taken only where they carry on
   * a line read or seen, or stand next to a block of such lines, since stripes and anatomy make them too.
   */
  readonly extreme?: readonly Box[];
  /** Keep lines made only of positioning markers (L, R, AP, PA, LAT…) with no other text near them. */
  readonly keepMarkers?: boolean;
}

/** Positioning and view markers that identify no one (laterality, projection, orientation). */
const MARKER = /^(L|R|LT|RT|LEFT|RIGHT|AP|PA|LAT|LATERAL|OBL|OBLIQUE|SUP|INF|ANT|POST|ERECT|SUPINE|PRONE|UPRIGHT|PORTABLE|[LR]\s?(AP|PA|LAT))$/i;

/** A line that holds only markers, with no other line within three of its heights. */
function markerOnly(line: { box: Box; words: readonly TextWord[] }, all: ReadonlyArray<{ box: Box }>): boolean {
  if (!line.words.every((w) => MARKER.test(w.text.replace(/[^A-Za-z ]/g, "").trim()))) return false;
  const reach = expand(line.box, 3 * height(line.box));
  return !all.some((o) => o !== line && intersects(reach, o.box));
}

export interface TextRegions {
  readonly regions: Box[];
  /** Lines taken, and how many held a header identifier (counts only: never the text). */
  readonly lines: number;
  readonly identifierLines: number;
  /** Lines found by their shape alone. */
  readonly textLikeLines: number;
}

const NOISE_FLOOR = 25;
/** Lines lower than this (in pixels) are small captions, whose blocks grow by a whole line. */
const SMALL_TEXT = 8;
/** Lines lower than this are captions so small that whole lines of them are lost: blocks are cleaned whole. */
const CAPTION_TEXT = 6;
const alnum = (t: string): number => t.match(/[A-Za-z0-9]/g)?.length ?? 0;

/**
 * A line is text when it holds a header identifier, or two confidently read words (≥ 60, two letters or
 * digits), or one long word read with high confidence (≥ 80, four or more). Busy anatomy and noise
 * make tesseract "read" short words one at a time; labels are lines of several words.
 */
function isTextLine(words: readonly TextWord[], needles: readonly string[], corroborated = true): boolean {
  if (findNeedles(words.map((w) => w.text).join(" "), needles).length > 0 || words.some((w) => findNeedles(w.text, needles).length > 0)) return true;
  const confident = words.filter((w) => w.confidence >= 60 && alnum(w.text) >= 2 && alnum(w.text) >= 0.5 * w.text.length);
  if (confident.some((w) => w.confidence >= 80 && alnum(w.text) >= 4)) return true;
  return corroborated && (confident.length >= 2 || confident.some((w) => w.confidence >= 70 && alnum(w.text) >= 3));
}

export function textRegions(input: TextRegionsInput): TextRegions {
  // Letters are at least 4 px high, and no caption is a sixteenth of the image high or most of it wide.
  const maxHeight = Math.max(12, Math.round(0.06 * Math.max(input.width, input.height)));
  const seen = input.words.filter((w) => w.confidence >= NOISE_FLOOR && alnum(w.text) > 0 && height(w.box) >= 4 && height(w.box) <= maxHeight && w.box[2] - w.box[0] <= 0.6 * input.width);
  const shapes = input.textLike ?? [];
  const read = groupLines(seen);
  const taken = read.filter((l) => isTextLine(l.words, input.needles, !input.busy || shapes.some((s) => intersects(s, l.box))));
  const lines = input.keepMarkers ? taken.filter((l) => !markerOnly(l, taken)) : taken;
  const identifierLines = lines.filter((l) => findNeedles(l.words.map((w) => w.text).join(" "), input.needles).length > 0).length;
  const found = [...lines.map((l) => lineCore(l.words, input.needles, input.busy === true)), ...shapes];
  // A line read with less to go on (one confident word, "Age: 70") is taken where it stands next to a
  // label's block, as an extreme-value line is; not on a busy frame, where such words are noise.
  const weak = input.busy ? [] : read.filter((l) => !taken.includes(l) && l.words.some((w) => w.confidence >= 60 && alnum(w.text) >= 1)).map((l) => lineCore(l.words, input.needles, false));
  const lineBoxes = withNeighbours(found, [...(input.extreme ?? []), ...weak]);
  // Margins follow the lines read or seen (an extreme-value line is often a part of one, lower).
  const lineHeight = median((found.length > 0 ? found : lineBoxes).map(height));
  const margin = Math.max(2, Math.round(0.4 * lineHeight));
  // Sideways a line's height and a bit: the first or last letter of a line is the one most often lost.
  const side = Math.max(margin, Math.round(1.2 * lineHeight));
  const blocks = lineBoxes.length > 0 ? groupBlocks(lineBoxes) : [];
  // A block grows above and below, for the faint or short first and last lines of a label that every
  // search missed: by a whole line where captions are a few pixels high (there whole lines are lost), by
  // half a line for text of a legible size, which the searches find line by line and the proof reads
  // again around each region.
  const grow = Math.round((lineHeight < SMALL_TEXT ? 1.6 : 0.8) * lineHeight);
  const inImage = (b: Box): Box => clip(b, input.width, input.height);
  // Captions a few pixels high lose whole lines, even in their middle: their blocks are cleaned whole.
  // Larger text is cleaned row by row (label-fill).
  const regions =
    lineHeight < CAPTION_TEXT
      ? mergeOverlapping([...blocks.map((b): Box => [b[0] - side, b[1] - grow - margin, b[2] + side, b[3] + grow + margin]), ...input.ruleRegions].map(inImage))
      : addRegions(mergeOverlapping(input.ruleRegions.map(inImage)), fillLabels(blocks.map((b) => lineBoxes.filter((l) => intersects(l, b))), { grow, margin, side }).map(inImage));
  return { regions, lines: lines.length, identifierLines, textLikeLines: input.textLike?.length ?? 0 };
}

/**
 * The lines found, with the weaker candidates (extreme-value lines, lines read with one confident word)
 * that carry one of them on along its row, then those that stand next to a block of lines (above or
 * below it within one and a half line heights, under it sideways, of a line's height), a line at a
 * time: a label's first or last lines, which the other searches lost.
 */
function withNeighbours(found: readonly Box[], candidates: readonly Box[]): Box[] {
  const lines = [...found, ...candidates.filter((e) => found.some((f) => sameRow(e, f)))];
  const rest = candidates.filter((e) => !lines.includes(e));
  for (let grew = rest.length > 0 && lines.length > 0; grew; ) {
    grew = false;
    const lh = median(lines.map(height));
    const blocks = groupBlocks(lines);
    const next = (e: Box): boolean =>
      height(e) >= 0.5 * lh && height(e) <= 1.6 * lh &&
      blocks.some((b) => Math.min(b[2], e[2]) > Math.max(b[0], e[0]) && ((e[3] <= b[1] && b[1] - e[3] <= 1.5 * lh) || (e[1] >= b[3] && e[1] - b[3] <= 1.5 * lh)));
    for (let i = 0; i < rest.length; i++) {
      if (next(rest[i]!)) {
        lines.push(...rest.splice(i, 1));
        grew = true;
        break;
      }
    }
  }
  return lines;
}

/** Two line boxes on one row: they meet, and overlap vertically by half the lower one's height. */
function sameRow(a: Box, b: Box): boolean {
  return intersects(a, b) && onOneRow(a, b);
}

/**
 * The part of a line that is text: its confident words (or header identifiers) and, unless the frame is
 * busy, the words next to them at word spacing. Recognition strings unconfident "words" along a row of
 * noise; they would stretch the line across the image.
 */
function lineCore(words: readonly TextWord[], needles: readonly string[], busy: boolean): Box {
  const strong = (w: TextWord): boolean => (w.confidence >= 60 && alnum(w.text) >= 1) || findNeedles(w.text, needles).length > 0;
  const core = words.filter(strong);
  if (core.length === 0) return bounds(words.map((w) => w.box));
  let box = bounds(core.map((w) => w.box));
  if (busy) return box;
  const rest = words.filter((w) => !strong(w));
  for (let grew = true; grew; ) {
    grew = false;
    for (const w of rest) {
      const gap = Math.max(w.box[0] - box[2], box[0] - w.box[2]);
      if (gap <= 1.5 * height(box) && (w.box[0] < box[0] || w.box[2] > box[2])) {
        box = bounds([box, w.box]);
        grew = true;
      }
    }
  }
  return box;
}

/** The union box of all regions (for reports). */
export function regionsBounds(regions: readonly Box[]): Box | undefined {
  return regions.length > 0 ? bounds(regions) : undefined;
}
