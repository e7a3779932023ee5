/**
 * @module bench/lib/table
 * Plain-text tables for benchmark output: left-aligned text columns, right-aligned numbers, and a
 * rule under the header. No colours, so output can be pasted into issues as is.
 */
export interface Column {
  readonly title: string;
  readonly align?: "left" | "right";
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (columns[i]?.align === "right" ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Fixed decimals, or "n/a" for a missing / non-finite number. */
export function fmt(n: number | undefined, decimals = 2): string {
  return n === undefined || !Number.isFinite(n) ? "n/a" : n.toFixed(decimals);
}
