/**
 * @module core/pixels/regions
 * Rectangles in image pixels (`[x0, y0, x1, y1)`, end exclusive) and the geometry burned-in text
 * needs: grouping recognised words into lines and blocks, a margin around them, and how much of a box a
 * set of regions covers (for proving and for the evaluation). Pure.
 */

export type Box = readonly [number, number, number, number];

export const width = (b: Box): number => b[2] - b[0];
export const height = (b: Box): number => b[3] - b[1];
export const area = (b: Box): number => Math.max(0, width(b)) * Math.max(0, height(b));

export function clip(b: Box, w: number, h: number): Box {
  return [Math.max(0, Math.min(w, b[0])), Math.max(0, Math.min(h, b[1])), Math.max(0, Math.min(w, b[2])), Math.max(0, Math.min(h, b[3]))];
}

export function expand(b: Box, margin: number): Box {
  return [b[0] - margin, b[1] - margin, b[2] + margin, b[3] + margin];
}

export function bounds(boxes: readonly Box[]): Box {
  return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
}

export function intersects(a: Box, b: Box): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** Two boxes at one height: they overlap vertically by half the lower one's height (wherever they stand sideways). */
export function onOneRow(a: Box, b: Box): boolean {
  return Math.min(a[3], b[3]) - Math.max(a[1], b[1]) >= 0.5 * Math.min(height(a), height(b));
}

/** The median of some sizes (the upper one of an even count; 0 for none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Overlapping or touching boxes merged until none overlap (small counts: quadratic is fine). */
export function mergeOverlapping(boxes: readonly Box[]): Box[] {
  let out = boxes.filter((b) => area(b) > 0).map((b): Box => [...b]);
  let merged = true;
  while (merged) {
    merged = false;
    const next: Box[] = [];
    for (const b of out) {
      const i = next.findIndex((n) => intersects(expand(n, 1), b));
      if (i >= 0) {
        next[i] = bounds([next[i]!, b]);
        merged = true;
      } else next.push(b);
    }
    out = next;
  }
  return out;
}

/**
 * Boxes added to regions as they are, not merged into the box around both: overlapping ones stay apart
 * (their union is what gets filled), and only a box inside another is dropped.
 */
export function addRegions(regions: readonly Box[], more: readonly Box[]): Box[] {
  const all = [...regions, ...more].filter((b) => area(b) > 0);
  const inside = (b: Box, o: Box): boolean => o[0] <= b[0] && o[1] <= b[1] && o[2] >= b[2] && o[3] >= b[3];
  return all.filter((b, i) => !all.some((o, j) => j !== i && inside(b, o) && (!inside(o, b) || j < i)));
}

/** A bitmap of the image with the regions set: exact areas for unions of overlapping boxes. */
export function regionMask(regions: readonly Box[], w: number, h: number): Uint8Array {
  const mask = new Uint8Array(w * h);
  for (const r of regions) {
    const [x0, y0, x1, y1] = clip(r, w, h);
    for (let y = y0; y < y1; y++) mask.fill(1, y * w + x0, y * w + x1);
  }
  return mask;
}

/** Share of `box` (0–1) that the mask covers. */
export function coverage(box: Box, mask: Uint8Array, w: number, h: number): number {
  const [x0, y0, x1, y1] = clip(box, w, h);
  const total = (x1 - x0) * (y1 - y0);
  if (total <= 0) return 1;
  let covered = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) covered += mask[y * w + x]!;
  return covered / total;
}

export interface TextWord {
  readonly text: string;
  readonly box: Box;
  /** Recognition confidence, 0–100. */
  readonly confidence: number;
}

/**
 * Words on one line: vertical overlap of at least half the smaller height, and a gap under three of
 * their heights. Returns the line boxes with their words.
 */
export function groupLines(words: readonly TextWord[]): Array<{ box: Box; words: TextWord[] }> {
  const lines: Array<{ box: Box; words: TextWord[] }> = [];
  for (const w of [...words].sort((a, b) => a.box[0] - b.box[0])) {
    const h = height(w.box);
    const line = lines.find((l) => onOneRow(l.box, w.box) && w.box[0] - l.box[2] < 3 * Math.max(h, height(l.box)));
    if (line) {
      line.words.push(w);
      line.box = bounds([line.box, w.box]);
    } else lines.push({ box: w.box, words: [w] });
  }
  return lines;
}

/**
 * Lines stacked into blocks (a burned-in label is usually several lines, left-aligned, evenly spaced):
 * lines whose left edges are within two line heights and whose vertical gap is under two line heights
 * join one block. A block covers what recognition missed between the lines it found.
 */
export function groupBlocks(lines: readonly Box[]): Box[] {
  const blocks: Box[] = [];
  const lineHeights = new Map<Box, number>();
  for (const l of [...lines].sort((a, b) => a[1] - b[1])) {
    const h = height(l);
    // Same left edge (within three heights) or overlapping by half, close below (within one and a half), and the block's lines no
    // taller than this one by more than half: a label's lines share a font.
    const aligned = (b: Box): boolean => Math.abs(b[0] - l[0]) <= 3 * h || Math.min(b[2], l[2]) - Math.max(b[0], l[0]) >= 0.5 * Math.min(b[2] - b[0], l[2] - l[0]);
    const i = blocks.findIndex((b) => aligned(b) && l[1] - b[3] <= 1.5 * h && l[1] >= b[1] - 2 * h && (lineHeights.get(b) ?? h) <= 1.6 * h && h <= 1.6 * (lineHeights.get(b) ?? h));
    if (i >= 0) {
      const b = bounds([blocks[i]!, l]);
      lineHeights.set(b, Math.max(lineHeights.get(blocks[i]!) ?? h, h));
      blocks[i] = b;
    } else {
      blocks.push(l);
      lineHeights.set(l, h);
    }
  }
  return mergeOverlapping(blocks);
}

/** The part of an 8-bit picture inside `box` (clipped), as its own picture. */
export function cropGrey(grey: Uint8Array, w: number, h: number, box: Box): { readonly grey: Uint8Array; readonly width: number; readonly height: number; readonly box: Box } {
  const b = clip(box, w, h);
  const cw = b[2] - b[0];
  const ch = b[3] - b[1];
  const out = new Uint8Array(Math.max(0, cw) * Math.max(0, ch));
  for (let y = 0; y < ch; y++) out.set(grey.subarray((b[1] + y) * w + b[0], (b[1] + y) * w + b[2]), y * cw);
  return { grey: out, width: cw, height: ch, box: b };
}

/** Words read in a crop, moved back to the picture's coordinates. */
export function offsetWords(words: readonly TextWord[], dx: number, dy: number): TextWord[] {
  return words.map((w) => ({ ...w, box: [w.box[0] + dx, w.box[1] + dy, w.box[2] + dx, w.box[3] + dy] as Box }));
}

/**
 * An 8-bit picture through a 3 × 3 median (edges clamped): speckle noise goes, strokes two pixels wide
 * or more stay. Recognition reads a noisy frame through it far faster and with far fewer phantom words.
 */
export function median3(grey: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(grey.length);
  const window = new Uint8Array(9);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const row = Math.min(h - 1, Math.max(0, y + dy)) * w;
        for (let dx = -1; dx <= 1; dx++) window[n++] = grey[row + Math.min(w - 1, Math.max(0, x + dx))]!;
      }
      window.sort();
      out[y * w + x] = window[4]!;
    }
  }
  return out;
}
