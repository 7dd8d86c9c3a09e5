import type { RejectedRowFragment } from '../api/types';

const SHOWN = 200;

/** The rows the server refused, with the line, the column and why. */
export function RejectedRowsTable({ rows, total }: { rows: RejectedRowFragment[]; total: number }) {
  if (total === 0) return <p className="ok-note">Every row was accepted.</p>;
  return (
    <div className="table-wrap table-scroll">
      <table className="table" data-testid="rejected-rows">
        <caption>
          Rejected rows{rows.length < total || rows.length > SHOWN ? ` (first ${Math.min(rows.length, SHOWN)} of ${total})` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Column</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, SHOWN).map((row, i) => (
            <tr key={`${row.line}-${i}`}>
              <td className="mono">{row.line}</td>
              <td>{row.column ?? '—'}</td>
              <td>{row.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
