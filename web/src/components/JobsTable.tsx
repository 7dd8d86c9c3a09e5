import type { TrainingJobFragment } from '../api/types';
import { dateTime, duration, num, shortId } from '../format';
import { StatusBadge } from './StatusBadge';

export function jobElapsedMs(job: Pick<TrainingJobFragment, 'startedAt' | 'finishedAt'>, now = Date.now()): number | null {
  if (!job.startedAt) return null;
  const end = job.finishedAt ? new Date(job.finishedAt).getTime() : now;
  return end - new Date(job.startedAt).getTime();
}

/** Training jobs, newest first; `onSelect` makes each row's id a button that opens the job. */
export function JobsTable({ jobs, onSelect, selectedId }: { jobs: TrainingJobFragment[]; onSelect?: (id: string) => void; selectedId?: string | null }) {
  if (jobs.length === 0) return <p className="muted">No training jobs yet.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="jobs-table">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Elapsed</th>
            <th scope="col">Epochs · LR · batch</th>
            <th scope="col">Model</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => {
            const elapsed = jobElapsedMs(job);
            return (
              <tr key={job.id} className={job.id === selectedId ? 'row-selected' : undefined}>
                <td>
                  {onSelect ? (
                    <button type="button" className="link-button mono" onClick={() => onSelect(job.id)} aria-label={`Show job ${shortId(job.id)}`}>
                      {shortId(job.id)}
                    </button>
                  ) : (
                    <span className="mono">{shortId(job.id)}</span>
                  )}
                </td>
                <td>
                  <StatusBadge status={job.status} />
                  {job.cancelRequested && job.status === 'RUNNING' && <span className="muted"> cancelling…</span>}
                  {job.error && <div className="cell-error">{job.error}</div>}
                </td>
                <td>{dateTime(job.createdAt)}</td>
                <td>{elapsed === null ? '—' : duration(elapsed)}</td>
                <td className="mono">
                  {job.hyperparameters.epochs} · {job.hyperparameters.learningRate} · {job.hyperparameters.batchSize}
                </td>
                <td>{job.model ? `v${job.model.version} (F1 ${num(job.model.metrics.macroF1, 3)})` : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
