import { useMemo } from 'react';
import type { ChartData, ChartOptions } from 'chart.js';
import { DatasetStatsDocument } from '../api/documents';
import { LABELS } from '../api/enums';
import { useQuery } from '../api/hooks';
import type { DatasetStatsQuery } from '../api/types';
import { CLASS_COLORS, int, pct } from '../format';
import { Chart } from './Chart';
import { ErrorMessage } from './ErrorMessage';
import { Loading } from './Loading';
import { Stat } from './Stat';

type DatasetWithStats = NonNullable<DatasetStatsQuery['dataset']>;

const horizontal: ChartOptions<'bar'> = { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } };
const vertical: ChartOptions<'bar'> = { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } };
const missingOptions: ChartOptions<'bar'> = {
  indexAxis: 'y',
  plugins: { legend: { display: false } },
  scales: { x: { beginAtZero: true, max: 100, title: { display: true, text: '% missing' } } },
};
const mapOptions: ChartOptions<'scatter'> = {
  plugins: { legend: { position: 'bottom' } },
  scales: { x: { title: { display: true, text: 'longitude' } }, y: { title: { display: true, text: 'latitude' } } },
  elements: { point: { radius: 2.5 } },
};

/** Charts that describe one uploaded dataset (all computed by the server in `Dataset.stats`). */
export function DatasetInsights({ datasetId }: { datasetId: string }) {
  const { data, error, loading } = useQuery(DatasetStatsDocument, { id: datasetId });
  const dataset = data?.dataset;
  const charts = useMemo(() => (dataset ? buildCharts(dataset) : null), [dataset]);

  if (error) return <ErrorMessage error={error} title="Could not load insights" />;
  if (loading && !dataset) return <Loading label="Computing insights…" />;
  if (!dataset || !charts) return <p className="muted">Dataset not found.</p>;
  const s = dataset.stats;
  return (
    <div className="insights" data-testid="insights">
      <h3>
        Insights: <span className="mono">{dataset.name}</span>
      </h3>
      <dl className="stats">
        <Stat label="Rows" value={int(s.rows)} />
        <Stat label="Labeled" value={int(s.labeledRows)} note={pct(s.rows ? s.labeledRows / s.rows : 0)} />
        <Stat label="Unlabeled" value={int(s.unlabeledRows)} />
        <Stat label="Rejected at upload" value={int(dataset.rejectedCount)} />
      </dl>
      <div className="grid-2">
        <figure className="figure">
          <figcaption>Label distribution</figcaption>
          <Chart type="bar" data={charts.labels} options={vertical} label={describe('Label distribution', s.labelDistribution.map((l) => [l.label, l.count]))} height={220} />
        </figure>
        <figure className="figure">
          <figcaption>Rating histogram</figcaption>
          <Chart type="bar" data={charts.ratings} options={vertical} label={describe('Rating histogram', s.ratingHistogram.map((b) => [`${b.from}–${b.to}`, b.count]))} height={220} />
        </figure>
        <figure className="figure">
          <figcaption>Care system</figcaption>
          <Chart type="bar" data={charts.care} options={vertical} label={describe('Care system', s.careSystemCounts.map((c) => [c.name, c.count]))} height={220} />
        </figure>
        <figure className="figure">
          <figcaption>Missing values per column</figcaption>
          <Chart type="bar" data={charts.missing} options={missingOptions} label={describe('Missing values', s.missingRates.map((m) => [m.column, pct(m.missingRate)]))} height={Math.max(220, s.missingRates.length * 24)} />
        </figure>
        <figure className="figure">
          <figcaption>Most common services</figcaption>
          <Chart type="bar" data={charts.services} options={horizontal} label={describe('Most common services', s.topServices.map((t) => [t.name, t.count]))} height={Math.max(240, s.topServices.length * 22)} />
        </figure>
        <figure className="figure">
          <figcaption>Facilities by latitude and longitude, coloured by class</figcaption>
          <Chart type="scatter" data={charts.map} options={mapOptions} label={`Map of ${s.points.length} facilities coloured by rating class`} height={340} />
        </figure>
      </div>
    </div>
  );
}

function describe(title: string, pairs: [string, number | string][]): string {
  return `${title}: ${pairs.map(([k, v]) => `${k} ${v}`).join(', ')}`;
}

function buildCharts(dataset: DatasetWithStats) {
  const s = dataset.stats;
  const accent = '#2563eb';
  const labels: ChartData<'bar'> = {
    labels: s.labelDistribution.map((l) => l.label),
    datasets: [{ label: 'facilities', data: s.labelDistribution.map((l) => l.count), backgroundColor: s.labelDistribution.map((l) => CLASS_COLORS[l.label] ?? accent) }],
  };
  const ratings: ChartData<'bar'> = {
    labels: s.ratingHistogram.map((b) => `${b.from.toFixed(1)}–${b.to.toFixed(1)}`),
    datasets: [{ label: 'facilities', data: s.ratingHistogram.map((b) => b.count), backgroundColor: accent }],
  };
  const care: ChartData<'bar'> = {
    labels: s.careSystemCounts.map((c) => c.name),
    datasets: [{ label: 'facilities', data: s.careSystemCounts.map((c) => c.count), backgroundColor: '#7c3aed' }],
  };
  const missing: ChartData<'bar'> = {
    labels: s.missingRates.map((m) => m.column),
    datasets: [{ label: '% missing', data: s.missingRates.map((m) => Math.round(m.missingRate * 1000) / 10), backgroundColor: '#64748b' }],
  };
  const services: ChartData<'bar'> = {
    labels: s.topServices.map((t) => t.name),
    datasets: [{ label: 'facilities', data: s.topServices.map((t) => t.count), backgroundColor: '#0891b2' }],
  };
  const groups = [...LABELS, null] as const;
  const map: ChartData<'scatter'> = {
    datasets: groups.map((label) => ({
      label: label ?? 'UNLABELED',
      data: s.points.filter((p) => p.label === label).map((p) => ({ x: p.longitude, y: p.latitude })),
      backgroundColor: CLASS_COLORS[label ?? 'UNLABELED'],
    })),
  };
  return { labels, ratings, care, missing, services, map };
}
