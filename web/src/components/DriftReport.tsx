import type { DriftReportFragment as Report } from '../api/types';
import { Chart } from './Chart';

const FEATURE_NAMES: Record<string, string> = {
  latitude: 'Latitude', longitude: 'Longitude', careSystem: 'Care system', subcounty: 'Subcounty', services: 'Services',
  operatingHours: 'Operating hours', nameTokens: 'Facility type (from the name)', label: 'Rating class',
};

const VERDICT_TEXT: Record<Report['verdict'], string> = {
  STABLE: 'No feature has drifted from the training data',
  DRIFT: 'Some features differ from the training data: check the new model before trusting it',
  INSUFFICIENT_DATA: 'Too few rows to judge drift',
};

/**
 * An upload against the training data of the model active when it arrived: a table of every
 * feature's PSI (drifted first), and for each drifted feature a chart of its bins, training vs upload.
 */
export function DriftReport({ drift }: { drift: Report }) {
  const drifted = drift.features.filter((f) => f.drifted);
  return (
    <div className="drift" data-testid="drift-report">
      <h3>Drift against model v{drift.modelVersion}</h3>
      <p className={drift.verdict === 'DRIFT' ? 'warning' : 'muted'} data-testid="drift-verdict">
        <strong>{drift.verdict}</strong>: {VERDICT_TEXT[drift.verdict]} (PSI ≥ {drift.threshold} counts as drifted; {drift.rows} rows vs {drift.referenceRows} training rows).
      </p>
      <div className="table-wrap">
        <table className="table" data-testid="drift-table">
          <caption className="sr-only">Population Stability Index per feature, drifted features first</caption>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">PSI</th>
              <th scope="col">Drifted</th>
            </tr>
          </thead>
          <tbody>
            {drift.features.map((f) => (
              <tr key={f.feature} className={f.drifted ? 'row-warning' : undefined}>
                <th scope="row">{FEATURE_NAMES[f.feature] ?? f.feature}</th>
                <td>{f.psi.toFixed(3)}</td>
                <td>{f.drifted ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {drifted.map((f) => {
        const bins = f.bins.filter((b) => b.reference > 0 || b.current > 0);
        return (
          <figure key={f.feature} className="drift-figure">
            <figcaption>
              {FEATURE_NAMES[f.feature] ?? f.feature}: PSI {f.psi.toFixed(2)}
            </figcaption>
            <Chart
              type="bar"
              height={200}
              testId={`drift-chart-${f.feature}`}
              label={`${FEATURE_NAMES[f.feature] ?? f.feature}: share of rows per bin in the training data and in this upload`}
              data={{
                labels: bins.map((b) => b.bin),
                datasets: [
                  { label: 'training data', data: bins.map((b) => b.reference * 100), backgroundColor: '#94a3b8' },
                  { label: 'this upload', data: bins.map((b) => b.current * 100), backgroundColor: '#dc2626' },
                ],
              }}
              options={{ plugins: { legend: { position: 'bottom' } }, scales: { y: { title: { display: true, text: '% of rows' } } } }}
            />
          </figure>
        );
      })}
    </div>
  );
}
