import { useCallback, useState } from 'react';
import { request } from '../api/client';
import { DatasetsDocument, RetrainDocument, TrainingJobsDocument } from '../api/documents';
import { useQuery } from '../api/hooks';
import type { TrainingJobFragment } from '../api/types';
import { ErrorMessage } from '../components/ErrorMessage';
import { JobsTable } from '../components/JobsTable';
import { LiveJob } from '../components/LiveJob';
import { Loading } from '../components/Loading';
import { RetrainForm, type RetrainValues } from '../components/RetrainForm';
import { navigate, useLocation } from '../router';
import { RoleGate } from '../session';

const PAGE_SIZE = 20;

export function TrainingPage() {
  const { params } = useLocation();
  const datasets = useQuery(DatasetsDocument);
  const jobs = useQuery(TrainingJobsDocument, { first: PAGE_SIZE });
  const [more, setMore] = useState<{ nodes: TrainingJobFragment[]; endCursor: string | null; hasNextPage: boolean } | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<unknown>(null);
  const selected = params.get('job') ?? jobs.data?.trainingJobs.nodes[0]?.id ?? null;

  async function start(values: RetrainValues) {
    setStarting(true);
    setStartError(null);
    try {
      const data = await request(RetrainDocument, { input: values });
      navigate(`/training?job=${encodeURIComponent(data.retrain.id)}`);
      setMore(null);
      await jobs.reload();
    } catch (caught) {
      setStartError(caught);
    } finally {
      setStarting(false);
    }
  }

  const cursor = more ? more.endCursor : (jobs.data?.trainingJobs.pageInfo.endCursor ?? null);
  const hasMore = more ? more.hasNextPage : (jobs.data?.trainingJobs.pageInfo.hasNextPage ?? false);
  const allJobs = [...(jobs.data?.trainingJobs.nodes ?? []), ...(more?.nodes ?? [])];

  async function loadMore() {
    setMoreError(null);
    try {
      const data = await request(TrainingJobsDocument, { first: PAGE_SIZE, after: cursor });
      const page = data.trainingJobs;
      setMore((m) => ({ nodes: [...(m?.nodes ?? []), ...page.nodes], endCursor: page.pageInfo.endCursor, hasNextPage: page.pageInfo.hasNextPage }));
    } catch (caught) {
      setMoreError(caught);
    }
  }

  const reloadJobs = jobs.reload;
  const onSettled = useCallback(() => {
    setMore(null);
    void reloadJobs();
  }, [reloadJobs]);

  return (
    <section aria-labelledby="training-title">
      <h1 id="training-title">Training</h1>
      <div className="card">
        <h2>Start a retrain</h2>
        <ErrorMessage error={datasets.error} title="Could not load datasets" />
        <RoleGate need="TRAINER" action="Starting a retrain">
          <RetrainForm datasets={datasets.data?.datasets ?? []} busy={starting} onSubmit={(v) => void start(v)} />
        </RoleGate>
        <ErrorMessage error={startError} title="Could not start training" />
      </div>
      {selected && (
        <div className="card">
          <h2>Live progress</h2>
          <LiveJob key={selected} jobId={selected} onSettled={onSettled} />
        </div>
      )}
      <div className="card">
        <div className="card-head">
          <h2>Job history</h2>
          <button type="button" className="button" onClick={() => void jobs.reload()} disabled={jobs.loading}>
            Refresh
          </button>
        </div>
        <ErrorMessage error={jobs.error} title="Could not load jobs" />
        {jobs.loading && !jobs.data && <Loading />}
        {jobs.data && (
          <>
            <p className="muted small">{jobs.data.trainingJobs.totalCount} jobs</p>
            <JobsTable jobs={allJobs} selectedId={selected} onSelect={(id) => navigate(`/training?job=${encodeURIComponent(id)}`)} />
            {hasMore && (
              <button type="button" className="button" onClick={() => void loadMore()}>
                Load more
              </button>
            )}
            <ErrorMessage error={moreError} />
          </>
        )}
      </div>
    </section>
  );
}
