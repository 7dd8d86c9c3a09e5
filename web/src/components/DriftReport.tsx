import type { DriftFeatureName, DriftReportFragment as Report } from '../api/types';
import { Chart } from './Chart';
import { DataTable, type Column } from './DataTable';

const FEATURE_NAMES: Record<DriftFeatureName, string> = {
  latitude: 'Latitude', longitude: 'Longitude', careSystem: 'Care system', subcounty: 'Subcounty', services: 'Services',
  operatingHours: 'Operating hours', nameTokens: 'Facility type (from the name)', label: 'Rating class',
};

const VERDICT_TEXT: Record<Report['verdict'], string> = {
  STABLE: 'No feature has drifted from the training data',
  DRIFT: 'Some features differ from the training data: check the new model before trusting it',
  INSUFFICIENT_DATA: 'Too few rows to judge drift',
};

const COLUMNS: Column<Report['features'][number]>[] = [
  { header: 'Feature', rowHeader: true, cell: (f) => FEATURE_NAMES[f.feature] },
  { header: 'PSI', cell: (f) => f.psi.toFixed(3) },
  { header: 'Drifted', cell: (f) => (f.drifted ? 'yes' : 'no') },
];

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
      <DataTable
        rows={drift.features}
        columns={COLUMNS}
        rowKey={(f) => f.feature}
        rowProps={(f) => ({ className: f.drifted ? 'row-warning' : undefined })}
        caption="Population Stability Index per feature, drifted features first"
        hideCaption
        testId="drift-table"
      />
      {drifted.map((f) => {
        const bins = f.bins.filter((b) => b.reference > 0 || b.current > 0);
        return (
          <figure key={f.feature} className="drift-figure">
            <figcaption>
              {FEATURE_NAMES[f.feature]}: PSI {f.psi.toFixed(2)}
            </figcaption>
            <Chart
              type="bar"
              height={200}
              testId={`drift-chart-${f.feature}`}
              label={`${FEATURE_NAMES[f.feature]}: share of rows per bin in the training data and in this upload`}
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
