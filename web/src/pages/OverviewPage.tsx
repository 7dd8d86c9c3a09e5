import { OverviewDocument } from '../api/documents';
import { useQuery } from '../api/hooks';
import { ConfusionMatrix } from '../components/ConfusionMatrix';
import { ErrorMessage } from '../components/ErrorMessage';
import { JobsTable } from '../components/JobsTable';
import { Loading } from '../components/Loading';
import { ModelSummary } from '../components/ModelSummary';
import { navigate } from '../router';

export function OverviewPage() {
  const { data, error, loading, reload } = useQuery(OverviewDocument);
  return (
    <section aria-labelledby="overview-title">
      <div className="page-head">
        <h1 id="overview-title">Overview</h1>
        <button type="button" className="button" onClick={() => void reload()} disabled={loading}>
          Refresh
        </button>
      </div>
      <ErrorMessage error={error} title="Could not load the overview" />
      {loading && !data && <Loading />}
      {data && (
        <>
          <div className="card">
            <h2>Active model</h2>
            {data.activeModel ? (
              <div className="split">
                <ModelSummary model={data.activeModel} />
                <div>
                  <h3>Confusion matrix (test set)</h3>
                  <ConfusionMatrix matrix={data.activeModel.metrics.confusionMatrix} />
                </div>
              </div>
            ) : (
              <p className="muted">No model is active yet. Upload data and train one.</p>
            )}
          </div>
          <div className="card">
            <div className="card-head">
              <h2>Recent training jobs</h2>
              <a
                href="/training"
                onClick={(event) => {
                  event.preventDefault();
                  navigate('/training');
                }}
              >
                All jobs ({data.trainingJobs.totalCount})
              </a>
            </div>
            <JobsTable jobs={data.trainingJobs.nodes} />
          </div>
        </>
      )}
    </section>
  );
}
