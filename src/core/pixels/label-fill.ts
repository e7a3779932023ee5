/**
 * @module core/pixels/label-fill
 * The shape cleaned for the blocks of text lines found in an image (burned-in labels): each row of a
 * block, from the block's left edge to the row's own end, rather than the block's bounding rectangle,
 * whose empty part beside a label's short lines was most of what cleaning took from the image. Where a
 * row's extent says less than its text, the row reaches further:
 * - the rows of a wrapped value (indented under the line they continue) reach as far as that line;
 * - a short row (a key whose value was lost against the background, "Age:") reaches one and a half of
 *   its own lengths further;
 * - a gap between two rows where a line could hide (two line heights at most, also between two blocks
 *   one above the other) is filled across both rows; a wider gap within a block across their common part;
 * - a member several rows tall (a line read across two rows) is kept unless the rows found account for
 *   it, in height and in width;
 * - the first row grows upward and the last downward, for the first and last lines every search missed.
 * Pure.
 */
import { bounds, height, median, onOneRow, type Box } from "./regions.ts";

export interface FillSizes {
  /** Above the first row and below the last. */
  readonly grow: number;
  /** Above and below every row. */
  readonly margin: number;
  /** Left and right of every row. */
  readonly side: number;
}

/** One block's fill, with its first and last rows (as extended) for the gaps between blocks. */
interface BlockFill {
  readonly parts: Box[];
  readonly first: Box;
  readonly last: Box;
  readonly lineHeight: number;
}

/** Gaps up to this many line heights are filled across both rows (a whole line could hide there). */
const HIDING_GAP = 2;

/** The regions to clean for blocks of lines; `blocks` holds each block's member lines. */
export function fillLabels(blocks: ReadonlyArray<readonly Box[]>, sizes: FillSizes): Box[] {
  const fills = blocks.filter((members) => members.length > 0).map((members) => fillBlock(members, sizes));
  const parts = fills.flatMap((f) => f.parts);
  for (const a of fills) {
    for (const b of fills) {
      const gap = b.first[1] - a.last[3];
      if (a !== b && gap > 0 && gap <= HIDING_GAP * Math.max(a.lineHeight, b.lineHeight) && overlapX(a.last, b.first) > 0) parts.push(across(a.last, b.first, sizes.side));
    }
  }
  return parts;
}

/** One block (at least one member): at least half its members are no taller than their median, so it has rows. */
function fillBlock(members: readonly Box[], { grow, margin, side }: FillSizes): BlockFill {
  const memberHeight = median(members.map(height));
  const tall = members.filter((m) => height(m) > 1.5 * memberHeight);
  const rows = rowsOf(members.filter((m) => !tall.includes(m)));
  const lineHeight = median(rows.map(height));
  const left = Math.min(...rows.map((r) => r[0]));
  const filled: Box[] = [];
  let head = rows[0]![0];
  let continuing = false;
  rows.forEach((r, i) => {
    let end = r[2];
    const before = rows[i - 1];
    // A continuation row starts well right of the row before it, or goes on a continuation (still
    // indented from the line it wraps).
    continuing = before !== undefined && (r[0] > before[0] + 2 * lineHeight || (continuing && r[0] > head + lineHeight));
    if (continuing) end = Math.max(end, filled[i - 1]![2]);
    else head = r[0];
    if (rows.length > 1 && r[2] - r[0] < 4 * lineHeight) end = Math.max(end, r[2] + Math.round(1.5 * (r[2] - r[0])));
    filled.push([left, r[1], end, r[3]]);
  });
  const parts: Box[] = [];
  filled.forEach((r, i) => {
    const top = i === 0 ? r[1] - grow : r[1];
    const bottom = i === filled.length - 1 ? r[3] + grow : r[3];
    parts.push([r[0] - side, top - margin, r[2] + side, bottom + margin]);
    const next = filled[i + 1];
    if (next && next[1] > r[3]) {
      parts.push(next[1] - r[3] <= HIDING_GAP * lineHeight ? across(r, next, side) : [Math.max(r[0], next[0]) - side, r[3], Math.min(r[2], next[2]) + side, next[1]]);
    }
  });
  // A tall member the rows account for adds only the empty ends of the shorter rows: some row it
  // overlaps reaches as far left and as far right as it does, and every pixel row of it lies in a row or
  // its margins, so no line that only it found is left.
  const accounted = (t: Box): boolean => {
    const over = rows.filter((r) => r[1] < t[3] && t[1] < r[3]);
    if (over.length === 0 || Math.min(...over.map((r) => r[0])) - side > t[0] || Math.max(...over.map((r) => r[2])) + side < t[2]) return false;
    for (let y = t[1]; y < t[3]; y++) if (!rows.some((r) => r[1] - margin <= y && y < r[3] + margin)) return false;
    return true;
  };
  parts.push(...tall.filter((t) => !accounted(t)).map((t) => withMargins(t, margin, side)));
  return { parts, first: filled[0]!, last: filled[filled.length - 1]!, lineHeight };
}

/** Members on one row (overlapping vertically by half the lower one's height) merged, top to bottom. */
function rowsOf(members: readonly Box[]): Box[] {
  const rows: Box[] = [];
  for (const m of [...members].sort((a, b) => a[1] - b[1])) {
    const i = rows.findIndex((r) => onOneRow(r, m));
    if (i >= 0) rows[i] = bounds([rows[i]!, m]);
    else rows.push(m);
  }
  return rows.sort((a, b) => a[1] - b[1]);
}

const overlapX = (a: Box, b: Box): number => Math.min(a[2], b[2]) - Math.max(a[0], b[0]);

/** The gap between a row and the one below it, across both. */
const across = (upper: Box, lower: Box, side: number): Box => [Math.min(upper[0], lower[0]) - side, upper[3], Math.max(upper[2], lower[2]) + side, lower[1]];

const withMargins = (b: Box, margin: number, side: number): Box => [b[0] - side, b[1] - margin, b[2] + side, b[3] + margin];
