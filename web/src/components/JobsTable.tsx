import type { TrainingJobFragment } from '../api/types';
import { dateTime, duration, num, shortId } from '../format';
import { DataTable, type Column } from './DataTable';
import { StatusBadge } from './StatusBadge';

export function jobElapsedMs(job: Pick<TrainingJobFragment, 'startedAt' | 'finishedAt'>, now = Date.now()): number | null {
  if (!job.startedAt) return null;
  const end = job.finishedAt ? new Date(job.finishedAt).getTime() : now;
  return end - new Date(job.startedAt).getTime();
}

function jobColumns(onSelect?: (id: string) => void): Column<TrainingJobFragment>[] {
  return [
    {
      header: 'Job',
      cell: (job) =>
        onSelect ? (
          <button type="button" className="link-button mono" onClick={() => onSelect(job.id)} aria-label={`Show job ${shortId(job.id)}`}>
            {shortId(job.id)}
          </button>
        ) : (
          <span className="mono">{shortId(job.id)}</span>
        ),
    },
    {
      header: 'Status',
      cell: (job) => (
        <>
          <StatusBadge status={job.status} />
          {job.cancelRequested && job.status === 'RUNNING' && <span className="muted"> cancelling…</span>}
          {job.error && <div className="cell-error">{job.error}</div>}
        </>
      ),
    },
    { header: 'Created', cell: (job) => dateTime(job.createdAt) },
    {
      header: 'Elapsed',
      cell: (job) => {
        const elapsed = jobElapsedMs(job);
        return elapsed === null ? '—' : duration(elapsed);
      },
    },
    {
      header: 'Epochs · LR · batch',
      className: 'mono',
      cell: ({ hyperparameters: hp }) => `${hp.epochs} · ${hp.learningRate} · ${hp.batchSize}`,
    },
    { header: 'Model', cell: (job) => (job.model ? `v${job.model.version} (F1 ${num(job.model.metrics.macroF1, 3)})` : '—') },
  ];
}

/** Training jobs, newest first; `onSelect` makes each row's id a button that opens the job. */
export function JobsTable({ jobs, onSelect, selectedId }: { jobs: TrainingJobFragment[]; onSelect?: (id: string) => void; selectedId?: string | null }) {
  return (
    <DataTable
      rows={jobs}
      columns={jobColumns(onSelect)}
      rowKey={(job) => job.id}
      rowProps={(job) => ({ className: job.id === selectedId ? 'row-selected' : undefined })}
      empty="No training jobs yet."
      testId="jobs-table"
    />
  );
}
