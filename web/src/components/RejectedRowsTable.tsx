import type { RejectedRowFragment } from '../api/types';
import { DataTable, type Column } from './DataTable';

const SHOWN = 200;

const COLUMNS: Column<RejectedRowFragment>[] = [
  { header: 'Line', className: 'mono', cell: (row) => row.line },
  { header: 'Column', cell: (row) => row.column ?? '—' },
  { header: 'Reason', cell: (row) => row.reason },
];

/** The rows the server refused, with the line, the column and why. */
export function RejectedRowsTable({ rows, total }: { rows: RejectedRowFragment[]; total: number }) {
  if (total === 0) return <p className="ok-note">Every row was accepted.</p>;
  return (
    <DataTable
      rows={rows.slice(0, SHOWN)}
      columns={COLUMNS}
      rowKey={(row, i) => `${row.line}-${i}`}
      caption={`Rejected rows${rows.length < total || rows.length > SHOWN ? ` (first ${Math.min(rows.length, SHOWN)} of ${total})` : ''}`}
      testId="rejected-rows"
      scroll
    />
  );
}
