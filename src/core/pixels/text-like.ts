/**
 * @module core/pixels/text-like
 * Finds text-like lines without reading them. A burned-in label is drawn to be legible: its strokes
 * stand well apart from the pixels around them, whatever the absolute values are (white on dark
 * anatomy, black on a saturated plateau, grey on black). So a pixel is a stroke candidate when it is
 * brighter (or darker) than the mean of its neighbourhood by a fifth of the frame's range; candidates
 * are grouped into connected components; components shaped like glyphs and contrasting with the ring
 * around them are kept; glyphs standing in a row with a common top, bottom and height (three or more)
 * make a text line. Noise, moiré and anatomy give blobs that fail these tests far more often than
 * letters do. This catches text recognition cannot read (a few pixels high, on noise) and does not care
 * what language it is in. The pixels at or near the frame's extreme values are also searched on their
 * own, where a label drawn at the darkest or brightest value stands clear of a background of nearby
 * values or of the stripes it crosses. Pure.
 */
import { frameValues, greyValues, type FrameValues, type PixelLayout } from "./pixel-data.ts";
import { bounds, height, median3, type Box } from "./regions.ts";

interface Component {
  readonly box: Box;
  readonly count: number;
  /** Sum of the frame values of its pixels (for its contrast with the ring around it). */
  readonly sum: number;
}

/** A stroke differs from its neighbourhood's mean by this share of the frame's range. */
const STROKE_CONTRAST = 0.2;
/** A glyph's mean differs from the ring just outside its box by this share of the range. */
const GLYPH_CONTRAST = 0.4;
/** Spread of a row's glyph tops, bottoms and heights (sum of standard deviations, in glyph heights). */
const MAX_ROW_SPREAD = 0.7;
/** Share of a row's glyph boxes their strokes fill: letters are solid enough, noise fragments are not. */
const MIN_ROW_FILL = 0.3;
/**
 * Glyph-shaped components per 10 000 pixels. Images with labels and anatomy have 0–13; white noise has
 * about 170. Above BUSY a row needs four glyphs and a tighter spread; above NOISE no row is trusted.
 */
const BUSY_DENSITY = 8;
const NOISE_DENSITY = 25;
const BUSY_ROW_SPREAD = 0.5;
/** A line carries on over glyphs of half the stroke contrast and three quarters of the glyph contrast. */
const FAINT_STROKE_CONTRAST = 0.1;
const FAINT_GLYPH_CONTRAST = 0.3;

/** Mean over a (2r+1)² window clipped to the frame, by an integral image. */
function localMean(values: Float64Array, w: number, h: number, r: number): Float64Array {
  const stride = w + 1;
  const sums = new Float64Array(stride * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += values[y * w + x]!;
      sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1]! + row;
    }
  }
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const total = sums[y1 * stride + x1]! - sums[y0 * stride + x1]! - sums[y1 * stride + x0]! + sums[y0 * stride + x0]!;
      out[y * w + x] = total / ((x1 - x0) * (y1 - y0));
    }
  }
  return out;
}

/** 8-connected components of the set pixels of `mask`. */
function components(mask: Uint8Array, values: Float64Array, w: number, h: number): Component[] {
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  const out: Component[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (seen[start] || !mask[start]) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let x0 = w;
    let y0 = h;
    let x1 = 0;
    let y1 = 0;
    let count = 0;
    let sum = 0;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % w;
      const y = (p - x) / w;
      count++;
      sum += values[p]!;
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
          if (!seen[q] && mask[q]) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    out.push({ box: [x0, y0, x1 + 1, y1 + 1], count, sum });
  }
  return out;
}

/** Letter-sized (3 px up to `maxHeight`; up to six heights wide: letters that touch), not a line, not a filled block. */
function glyphShaped(c: Component, maxHeight: number): boolean {
  const w = c.box[2] - c.box[0];
  const h = c.box[3] - c.box[1];
  const fill = c.count / (w * h);
  return h >= 3 && h <= maxHeight && w <= 6 * h && c.count >= 3 && fill >= 0.12 && fill <= 0.95;
}

/** |mean of the component's pixels − mean of the ring just outside its box, off the mask|. */
function ringContrast(c: Component, mask: Uint8Array, values: Float64Array, w: number, h: number): number {
  const [x0, y0, x1, y1] = c.box;
  let sum = 0;
  let n = 0;
  for (let y = y0 - 1; y <= y1; y++) {
    if (y < 0 || y >= h) continue;
    const edge = y === y0 - 1 || y === y1;
    for (let x = x0 - 1; x <= x1; x += edge || x === x1 ? 1 : x1 - x) {
      if (x < 0 || x >= w) continue;
      const i = y * w + x;
      if (!mask[i]) {
        sum += values[i]!;
        n++;
      }
    }
  }
  return n === 0 ? 0 : Math.abs(c.sum / c.count - sum / n);
}

interface Row {
  box: Box;
  readonly glyphs: Component[];
}

/** Glyphs in a row, left to right: overlapping by most of the smaller height, gaps under 1.5 heights. */
function rows(glyphs: readonly Component[]): Row[] {
  const out: Row[] = [];
  for (const g of [...glyphs].sort((a, b) => a.box[0] - b.box[0])) {
    const gh = height(g.box);
    const row = out.find((r) => {
      const rh = height(r.box);
      const overlap = Math.min(r.box[3], g.box[3]) - Math.max(r.box[1], g.box[1]);
      return overlap >= 0.6 * Math.min(gh, rh) && g.box[0] - r.box[2] <= 1.5 * Math.max(gh, 4) && gh <= 2 * rh + 1 && rh <= 2 * gh + 1;
    });
    if (row) {
      row.box = bounds([row.box, g.box]);
      row.glyphs.push(g);
    } else out.push({ box: g.box, glyphs: [g] });
  }
  return out;
}

const spread = (xs: readonly number[]): number => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
};

/** A row of three or more glyphs sharing a top, a bottom and a height, solid enough, 2.5 heights wide. */
function isTextRow(r: Row, minGlyphs = 3, maxSpread = MAX_ROW_SPREAD): boolean {
  const n = r.glyphs.length;
  // Letters that touch make one wide component: counted as the letters they hold.
  const letters = r.glyphs.reduce((a, g) => a + Math.max(1, Math.round((g.box[2] - g.box[0]) / (0.8 * height(g.box)))), 0);
  if (letters < minGlyphs || n < 3) return false;
  const heights = r.glyphs.map((g) => height(g.box)).sort((a, b) => a - b);
  const median = heights[Math.floor(n / 2)]!;
  const s = spread(r.glyphs.map((g) => g.box[1])) + spread(r.glyphs.map((g) => g.box[3])) + spread(heights);
  const fill = r.glyphs.reduce((a, g) => a + g.count, 0) / r.glyphs.reduce((a, g) => a + (g.box[2] - g.box[0]) * height(g.box), 0);
  return s <= maxSpread * median && fill >= MIN_ROW_FILL && r.box[2] - r.box[0] >= 2.5 * median;
}

/** What the shape search found in one frame. */
export interface TextLike {
  readonly lines: Box[];
  /**
   * Glyph-shaped specks are dense (noise, moiré, wrapped values): rows had to be stricter, and words a
   * reader "sees" in such a frame are weak evidence.
   */
  readonly busy: boolean;
  /**
   * Lines among the pixels at or near the frame's extreme values (extremeLines). Stripes and anatomy
   * that reach an extreme make such lines too, so they are evidence only beside text found otherwise.
   */
  readonly extreme: Box[];
}

/** Text-like lines in one frame of native pixel data, bright strokes and dark strokes alike. */
export function textLikeLines(pixels: Uint8Array, l: PixelLayout, frame: number): Box[] {
  return findTextLike(frameValues(pixels, l, frame), l.columns, l.rows).lines;
}

/**
 * The shape search of one frame (native values, or an 8-bit picture through greyValues), and the same
 * search among the pixels at or near the frame's darkest and brightest values (extremeLines): labels
 * are usually drawn at one end of the range, and a line the search by contrast loses — small dark
 * captions on a dark noisy background, a line drawn across moiré — stands out there. Those lines are
 * kept apart (`extreme`).
 */
export function findTextLike(frame: FrameValues, w: number, h: number): TextLike {
  const found = searchByContrast(frame, w, h);
  return { ...found, extreme: extremeLines(frame, w, h, found.busy) };
}

/** "Near" an extreme value: within this share of the frame's range. */
const NEAR_EXTREME = 0.03;

/**
 * Text-like lines among the pixels near the frame's minimum, then near its maximum (within 3 % of the
 * range), each set drawn as a black-on-white picture and searched by contrast as drawn, so captions a
 * few pixels high keep their one-pixel strokes; a picture that is busy itself (noise reaching the
 * extreme) proves nothing. On a busy frame, where noise often fills those pictures, also the pixels at
 * exactly each extreme, cleared of the lone specks noise leaves at that value by a 3 × 3 median
 * (strokes two pixels wide stay).
 */
export function extremeLines(frame: FrameValues, w: number, h: number, busy = true): Box[] {
  if (frame.hi <= frame.lo) return [];
  return [frame.lo, frame.hi].flatMap((extreme) => [...nearExtreme(frame, extreme, w, h), ...(busy ? atExtreme(frame, extreme, w, h) : [])]);
}

/** Lines among the pixels within NEAR_EXTREME of the range from `extreme`, as drawn. */
function nearExtreme({ values, lo, hi }: FrameValues, extreme: number, w: number, h: number): Box[] {
  const reach = NEAR_EXTREME * (hi - lo);
  const picture = extreme === lo ? blackWhere(values, lo, lo + reach) : blackWhere(values, hi - reach, hi);
  if (picture.count < MIN_EXTREME_PIXELS) return [];
  // Speckle: most of its pixels touch no other (strokes and plateaus touch); it would be busy anyway.
  let touching = 0;
  for (let i = 0; i < picture.grey.length && touching < picture.count / 2; i++) if (picture.grey[i] === 0 && darkAround(picture.grey, w, h, i) >= 2) touching++;
  if (touching < picture.count / 2) return [];
  const found = searchByContrast(greyValues(picture.grey), w, h, [false]);
  return found.busy ? [] : found.lines;
}

/** Lines among the pixels at exactly `extreme`, through a 3 × 3 median. */
function atExtreme({ values }: FrameValues, extreme: number, w: number, h: number): Box[] {
  const { grey } = blackWhere(values, extreme, extreme);
  // Only pixels with most of their 3 × 3 window at the value outlast the median (lone specks of noise
  // do not); a line of three glyphs needs some. The strokes are the dark pixels of the picture.
  let lasting = 0;
  for (let i = 0; i < grey.length && lasting < MIN_EXTREME_PIXELS; i++) if (grey[i] === 0 && darkAround(grey, w, h, i) >= 5) lasting++;
  return lasting < MIN_EXTREME_PIXELS ? [] : searchByContrast(greyValues(median3(grey, w, h)), w, h, [false]).lines;
}

/** The pixels whose value lies in [from, to], black (0) on white (255), and how many they are. */
function blackWhere(values: Float64Array, from: number, to: number): { grey: Uint8Array; count: number } {
  const grey = new Uint8Array(values.length).fill(255);
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v >= from && v <= to) {
      grey[i] = 0;
      count++;
    }
  }
  return { grey, count };
}

/** Fewer pixels than this at an extreme value hold no line of three glyphs. */
const MIN_EXTREME_PIXELS = 24;

/** Dark (0) pixels in the 3 × 3 window around pixel `i`, itself included. */
function darkAround(picture: Uint8Array, w: number, h: number, i: number): number {
  const x = i % w;
  const y = (i - x) / w;
  let n = 0;
  for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) if (picture[yy * w + xx] === 0) n++;
  return n;
}

/** The search by contrast, for bright strokes then dark ones (or only those of `polarities`). */
function searchByContrast({ values, lo, hi }: FrameValues, w: number, h: number, polarities: readonly boolean[] = [true, false]): Omit<TextLike, "extreme"> {
  const range = hi - lo;
  if (range <= 0) return { lines: [], busy: false };
  // The neighbourhood is a few letters wide on any image size; no caption is a twentieth of the image high.
  const radius = Math.max(6, Math.round(Math.max(w, h) / 150));
  const maxHeight = Math.max(12, Math.round(0.05 * Math.max(w, h)));
  const mean = localMean(values, w, h, radius);
  const out: Box[] = [];
  let busy = false;
  const mask = new Uint8Array(w * h);
  for (const bright of polarities) {
    const k = (bright ? 1 : -1) * STROKE_CONTRAST * range;
    for (let i = 0; i < mask.length; i++) mask[i] = (bright ? values[i]! >= mean[i]! + k : values[i]! <= mean[i]! + k) ? 1 : 0;
    const glyphs = components(mask, values, w, h).filter((c) => glyphShaped(c, maxHeight) && ringContrast(c, mask, values, w, h) >= GLYPH_CONTRAST * range);
    // Noise makes glyph-shaped specks by the hundred, and some fall in a row by chance: the more specks
    // per area, the stricter a row must be; past a point shapes prove nothing and recognition decides.
    const density = (1e4 * glyphs.length) / (w * h);
    busy ||= density > BUSY_DENSITY;
    if (density > NOISE_DENSITY) continue;
    const strict = density > BUSY_DENSITY;
    const found = rows(glyphs).filter((r) => (strict ? isTextRow(r, 4, BUSY_ROW_SPREAD) : isTextRow(r))).map((r) => r.box);
    if (found.length === 0) continue;
    // A line's end often fades into the background (a value after its key, over anatomy or stripes):
    // fainter glyphs of the line's own size, on its own row, at word spacing, carry it on.
    // Not on a busy frame: there faint specks stand everywhere and would carry a line across the image.
    const faint = !strict ? faintGlyphs(values, mean, w, h, bright, range, maxHeight) : [];
    out.push(...found.map((l) => carryOn(l, faint)));
  }
  return { lines: out, busy };
}

/** Glyph-shaped components at half the contrast the search asks of a line's own glyphs. */
function faintGlyphs(values: Float64Array, mean: Float64Array, w: number, h: number, bright: boolean, range: number, maxHeight: number): Box[] {
  const k = (bright ? 1 : -1) * FAINT_STROKE_CONTRAST * range;
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < mask.length; i++) mask[i] = (bright ? values[i]! >= mean[i]! + k : values[i]! <= mean[i]! + k) ? 1 : 0;
  return components(mask, values, w, h)
    .filter((c) => glyphShaped(c, maxHeight) && ringContrast(c, mask, values, w, h) >= FAINT_GLYPH_CONTRAST * range)
    .map((c) => c.box);
}

/** A line widened left and right over glyphs of its height standing on its row at word spacing. */
function carryOn(line: Box, glyphs: readonly Box[]): Box {
  const lh = height(line);
  const onRow = glyphs.filter((g) => {
    const overlap = Math.min(g[3], line[3]) - Math.max(g[1], line[1]);
    return overlap >= 0.6 * Math.min(height(g), lh) && height(g) >= 0.5 * lh && height(g) <= 1.5 * lh;
  });
  let [x0, , x1] = line;
  for (let grew = true; grew; ) {
    grew = false;
    for (const g of onRow) {
      if (g[0] >= x1 - 1 && g[0] - x1 <= 1.5 * lh && g[2] > x1) {
        x1 = g[2];
        grew = true;
      }
      if (g[2] <= x0 + 1 && x0 - g[2] <= 1.5 * lh && g[0] < x0) {
        x0 = g[0];
        grew = true;
      }
    }
  }
  return [x0, line[1], x1, line[3]];
}
