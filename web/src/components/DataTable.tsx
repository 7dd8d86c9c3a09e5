import type { ComponentProps, ReactNode } from 'react';

/** One column: its header and how to draw its cell for a row. */
export interface Column<T> {
  header: ReactNode;
  cell: (row: T, index: number) => ReactNode;
  /** the cell's class, e.g. `mono`, or one per row */
  className?: string | ((row: T) => string | undefined);
  /** the cell names its row (`<th scope="row">`) */
  rowHeader?: boolean;
}

type RowProps = ComponentProps<'tr'> & { [data: `data-${string}`]: string | number | undefined };

/**
 * The UI's one table: a caption, a header row, a row per item, horizontally scrollable on a
 * phone; `empty` replaces it when there are no rows.
 */
export function DataTable<T>({
  rows,
  columns,
  rowKey,
  rowProps,
  caption,
  hideCaption,
  empty,
  testId,
  className,
  scroll,
}: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T, index: number) => string | number;
  /** attributes of a row's `<tr>` (class, data-*) */
  rowProps?: (row: T) => RowProps;
  caption?: ReactNode;
  /** the caption is for screen readers only */
  hideCaption?: boolean;
  /** shown (muted) instead of an empty table */
  empty?: ReactNode;
  testId?: string;
  /** extra class of the table, e.g. `compare-table` */
  className?: string;
  /** a tall table scrolls inside its own box */
  scroll?: boolean;
}) {
  if (rows.length === 0 && empty !== undefined) return <p className="muted">{empty}</p>;
  return (
    <div className={scroll ? 'table-wrap table-scroll' : 'table-wrap'}>
      <table className={className ? `table ${className}` : 'table'} data-testid={testId}>
        {caption !== undefined && <caption className={hideCaption ? 'sr-only' : undefined}>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th scope="col" key={i}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={rowKey(row, index)} {...rowProps?.(row)}>
              {columns.map((column, i) => {
                const className = typeof column.className === 'function' ? column.className(row) : column.className;
                return column.rowHeader ? (
                  <th scope="row" key={i} className={className}>
                    {column.cell(row, index)}
                  </th>
                ) : (
                  <td key={i} className={className}>
                    {column.cell(row, index)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A header only screen readers read (a column of buttons). */
export const ACTIONS_HEADER = <span className="sr-only">Actions</span>;
