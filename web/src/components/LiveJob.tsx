import { useCallback, useEffect, useRef, useState } from 'react';
import { request } from '../api/client';
import { CancelTrainingJobDocument, TrainingJobDocument, TrainingJobUpdatedDocument, TrainingProgressDocument } from '../api/documents';
import { useSubscription } from '../api/hooks';
import { useNow } from '../api/useNow';
import { TERMINAL_STATUSES } from '../api/enums';
import type { EpochMetricsFragment, TrainingJobFragment } from '../api/types';
import { duration, num, shortId } from '../format';
import { ConfirmDialog } from './ConfirmDialog';
import { ErrorMessage } from './ErrorMessage';
import { jobElapsedMs } from './JobsTable';
import { Loading } from './Loading';
import { Stat } from './Stat';
import { StatusBadge } from './StatusBadge';
import { TrainingCurves } from './TrainingCurves';
import { useDenied } from '../session';

// A slow safety net for job status in case the WebSocket drops; epochs normally arrive by subscription.
const POLL_MS = 3000;

function mergeEpochs(current: EpochMetricsFragment[], incoming: EpochMetricsFragment[]): EpochMetricsFragment[] {
  const byEpoch = new Map(current.map((e) => [e.epoch, e]));
  for (const e of incoming) byEpoch.set(e.epoch, e);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/**
 * One training job, live: curves drawn point by point from `trainingProgress`, status from
 * `trainingJobUpdated`, elapsed time, cancel. Calls `onSettled` once when the job ends.
 */
export function LiveJob({ jobId, onSettled }: { jobId: string; onSettled: (job: TrainingJobFragment) => void }) {
  const [job, setJob] = useState<TrainingJobFragment | null>(null);
  const [epochs, setEpochs] = useState<EpochMetricsFragment[]>([]);
  const [liveCount, setLiveCount] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [liveError, setLiveError] = useState<unknown>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const cancelDenied = useDenied('TRAINER', 'Cancelling a job');
  const [cancelling, setCancelling] = useState(false);
  const settled = useRef(false);
  const firstSeenRunning = useRef<number | null>(null);
  const terminal = job ? TERMINAL_STATUSES.includes(job.status) : false;
  const now = useNow(!terminal);

  const load = useCallback(async () => {
    try {
      const data = await request(TrainingJobDocument, { id: jobId });
      if (!data.trainingJob) {
        setError(new Error(`Training job ${jobId} not found`));
        return;
      }
      const { epochs: loaded, ...rest } = data.trainingJob;
      setJob(rest);
      setEpochs((current) => mergeEpochs(current, loaded));
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }, [jobId]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    if (terminal) return;
    const timer = window.setInterval(() => void load(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [load, terminal]);

  useSubscription(TrainingProgressDocument, terminal ? null : { jobId }, {
    next: ({ trainingProgress }) => {
      setEpochs((current) => mergeEpochs(current, [trainingProgress]));
      setLiveCount((n) => n + 1);
      firstSeenRunning.current ??= Date.now();
      setJob((j) => (j && j.status === 'QUEUED' ? { ...j, status: 'RUNNING' } : j));
    },
    error: setLiveError,
  });
  useSubscription(TrainingJobUpdatedDocument, terminal ? null : { jobId }, {
    next: ({ trainingJobUpdated }) => setJob(trainingJobUpdated),
    error: setLiveError,
  });

  useEffect(() => {
    if (!job || !terminal || settled.current) return;
    settled.current = true;
    // Fill in any epoch the subscription may have missed, then tell the page.
    void load().then(() => onSettled(job));
  }, [job, terminal, load, onSettled]);

  async function cancel() {
    setCancelling(true);
    try {
      const data = await request(CancelTrainingJobDocument, { id: jobId });
      setJob(data.cancelTrainingJob);
      setConfirmCancel(false);
    } catch (caught) {
      setError(caught);
      setConfirmCancel(false);
    } finally {
      setCancelling(false);
    }
  }

  if (!job) return error ? <ErrorMessage error={error} title="Could not load the job" /> : <Loading label="Loading job…" />;
  const elapsed = jobElapsedMs(job, now) ?? (firstSeenRunning.current ? now - firstSeenRunning.current : null);
  const last = epochs.at(-1);
  const canCancel = (job.status === 'QUEUED' || job.status === 'RUNNING') && !job.cancelRequested;

  return (
    <div className="live-job" data-testid="live-job" data-status={job.status} data-live-count={liveCount}>
      <div className="card-head">
        <h3>
          Job <span className="mono">{shortId(job.id)}</span> <StatusBadge status={job.status} />
          {job.cancelRequested && !terminal && <span className="muted small"> cancel requested…</span>}
        </h3>
        {canCancel && (
          <button type="button" className="button button-danger" onClick={() => setConfirmCancel(true)} disabled={cancelDenied !== null} title={cancelDenied ?? undefined}>
            Cancel job
          </button>
        )}
      </div>
      <dl className="stats" aria-live="polite">
        <Stat label="Status" value={<span data-testid="job-status">{job.status}</span>} note={job.attempts > 1 ? `attempt ${job.attempts} of ${job.maxAttempts}` : undefined} />
        <Stat label="Elapsed" value={elapsed === null ? 'waiting for a worker' : duration(elapsed)} />
        <Stat label="Epochs" value={<span data-testid="epoch-count">{epochs.length}</span>} note={`of at most ${job.hyperparameters.epochs}`} />
        <Stat label="Validation accuracy" value={num(last?.valAccuracy, 3)} note={last ? `loss ${num(last.loss, 3)}` : undefined} />
        {job.model && <Stat label="Model" value={`v${job.model.version}`} note={`${job.model.status}, macro-F1 ${num(job.model.metrics.macroF1, 3)}`} testId="job-model" />}
      </dl>
      {job.error && <ErrorMessage error={new Error(job.error)} title="The job failed" />}
      <ErrorMessage error={error} />
      {liveError && !terminal ? <ErrorMessage error={liveError} title="Live updates interrupted (falling back to polling)" /> : null}
      <TrainingCurves epochs={epochs} />
      <ConfirmDialog
        open={confirmCancel}
        title="Cancel this training job?"
        confirmLabel="Cancel job"
        busy={cancelling}
        onConfirm={() => void cancel()}
        onCancel={() => setConfirmCancel(false)}
      >
        <p>Job {shortId(job.id)} stops after its current batch; no model is registered from it.</p>
      </ConfirmDialog>
    </div>
  );
}
