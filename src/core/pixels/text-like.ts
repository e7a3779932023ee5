/**
 * @module core/pixels/text-like
 * Finds text-like regions without reading them: burned-in labels are drawn at one value, usually the
 * darkest or brightest the frame holds, as strokes the size of letters standing side by side on a line.
 * Pixels at the frame's extreme values are grouped into connected components; components shaped like
 * glyphs that line up (similar height, small gaps, three or more) form a text line. This catches text
 * that recognition cannot read (tiny, noisy background) and does not care what language it is. Pure.
 */
import { frameValues, type PixelLayout } from "./pixel-data.ts";
import { bounds, height, type Box } from "./regions.ts";

interface Component {
  readonly box: Box;
  readonly count: number;
}

/**
 * Components of pixels that differ from a plateau value `target` and are enclosed by it (nine tenths of
 * the ring around their box is the plateau): strokes drawn on a saturated area, whatever their own value.
 */
function enclosedComponents(values: Float64Array, w: number, h: number, target: number): Component[] {
  const out: Component[] = [];
  for (const c of componentsWhere(values, w, h, (v) => v !== target)) {
    const [x0, y0, x1, y1] = c.box;
    if (x0 === 0 || y0 === 0 || x1 >= w || y1 >= h) continue;
    let ring = 0;
    let plateau = 0;
    for (let x = x0 - 1; x <= x1; x++) {
      for (const y of [y0 - 1, y1]) {
        ring++;
        if (values[y * w + x] === target) plateau++;
      }
    }
    for (let y = y0; y < y1; y++) {
      for (const x of [x0 - 1, x1]) {
        ring++;
        if (values[y * w + x] === target) plateau++;
      }
    }
    if (plateau >= 0.9 * ring) out.push(c);
  }
  return out;
}

/** 8-connected components of the pixels equal to `target`. */
function components(values: Float64Array, w: number, h: number, target: number): Component[] {
  return componentsWhere(values, w, h, (v) => v === target);
}

function componentsWhere(values: Float64Array, w: number, h: number, member: (v: number) => boolean): Component[] {
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  const out: Component[] = [];
  for (let start = 0; start < values.length; start++) {
    if (seen[start] || !member(values[start]!)) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let x0 = w;
    let y0 = h;
    let x1 = 0;
    let y1 = 0;
    let count = 0;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % w;
      const y = (p - x) / w;
      count++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const q = yy * w + xx;
          if (!seen[q] && member(values[q]!)) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    out.push({ box: [x0, y0, x1 + 1, y1 + 1], count });
  }
  return out;
}

/** More text-like lines than a label block holds: the frame is noise, not text. */
const MAX_LINES = 16;

/** Shaped like a glyph (or, up to `wide`, a few touching glyphs): letter-sized, not a line, not a filled block. */
function glyphLike(c: Component, wide = 4, minHeight = 4): boolean {
  const w = c.box[2] - c.box[0];
  const h = c.box[3] - c.box[1];
  const fill = c.count / (w * h);
  return h >= minHeight && h <= 48 && w >= 1 && w <= wide * h && c.count >= 4 && fill >= 0.12 && fill <= 0.9;
}

/** Glyph-like components in a row: similar heights, gaps under one height; three or more make a line. */
function lines(glyphs: readonly Component[], minGlyphs = 3): Box[] {
  const sorted = [...glyphs].sort((a, b) => a.box[0] - b.box[0]);
  const rows: Array<{ box: Box; n: number; h: number }> = [];
  for (const g of sorted) {
    const gh = height(g.box);
    const row = rows.find((r) => {
      const overlap = Math.min(r.box[3], g.box[3]) - Math.max(r.box[1], g.box[1]);
      const gap = g.box[0] - r.box[2];
      return overlap >= 0.5 * Math.min(gh, r.h) && gap <= 1.2 * Math.max(gh, r.h) && gh <= 2.2 * r.h && r.h <= 2.2 * gh;
    });
    if (row) {
      row.box = bounds([row.box, g.box]);
      row.n++;
      row.h = Math.max(row.h, gh);
    } else rows.push({ box: g.box, n: 1, h: gh });
  }
  return rows.filter((r) => r.n >= minGlyphs && r.box[2] - r.box[0] >= Math.max(2, 6 / minGlyphs) * r.h).map((r) => r.box);
}

/**
 * Text-like lines in one frame: strokes at the frame's minimum or maximum value. A value that covers
 * more than half of the image is background (air, collimation), not strokes, and is skipped.
 */
export function textLikeLines(pixels: Uint8Array, l: PixelLayout, frame: number): Box[] {
  const { values, lo, hi, atLo, atHi } = frameValues(pixels, l, frame);
  const out: Box[] = [];
  for (const [target, n] of lo === hi ? [[lo, atLo]] : [[lo, atLo], [hi, atHi]]) {
    if (target === undefined || n === undefined) continue;
    if (n <= values.length / 2) out.push(...lines(components(values, l.columns, l.rows, target).filter((c) => glyphLike(c))));
    // Text drawn on a saturated area (a plateau at this value covering a tenth of the image or more).
    // Letters on a plateau often touch into whole words: a line may be one long component.
    if (n >= values.length / 10) out.push(...lines(enclosedComponents(values, l.columns, l.rows, target).filter((c) => glyphLike(c, 12, 3)), 1));
  }
  // Dozens of "lines" mean a busy or noisy image where stroke shapes prove nothing: recognition decides.
  return out.length > MAX_LINES ? [] : out;
}
