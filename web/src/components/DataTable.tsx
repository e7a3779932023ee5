// A table in its labelled, scrollable region: one header per column and one row per item drawn by the page (and under a row, a form opened from it), or a sentence when there are none.
import { Fragment, type Key, type ReactNode } from "react";
import { TableWrap } from "./TableWrap";

interface Props<T> {
  /** The accessible name of the scrollable region. */
  label: string;
  /** The column header texts, in order. */
  columns: readonly string[];
  rows: readonly T[];
  /** The paragraph shown instead of the table when there are no rows. */
  empty: string;
  rowKey: (row: T, index: number) => Key;
  /** The cells (`<td>`s) of one row. */
  cells: (row: T, index: number) => ReactNode;
  /** A form opened from a row (Verify, Terminate, Revoke…), drawn across the table under it; nothing (false, null) when none is open. */
  rowForm?: (row: T, index: number) => ReactNode;
}

export function DataTable<T>({ label, columns, rows, empty, rowKey, cells, rowForm }: Props<T>) {
  if (rows.length === 0) return <p>{empty}</p>;
  return (
    <TableWrap label={label}>
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => {
            const form = rowForm?.(row, i);
            return (
              <Fragment key={rowKey(row, i)}>
                <tr>{cells(row, i)}</tr>
                {form ? (
                  <tr>
                    <td colSpan={columns.length}>{form}</td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}
