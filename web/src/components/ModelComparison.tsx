import { useMemo } from 'react';
import type { ChartData, ChartOptions } from 'chart.js';
import { LABELS } from '../api/enums';
import type { ModelVersionFragment } from '../api/types';
import { int, num, pct } from '../format';
import { Chart } from './Chart';
import { DataTable, type Column } from './DataTable';
import { ConfusionMatrix } from './ConfusionMatrix';

const f1Options: ChartOptions<'bar'> = { plugins: { legend: { position: 'bottom' } }, scales: { y: { min: 0, max: 1, title: { display: true, text: 'F1' } } } };

type Row = [label: string, a: number, b: number, format: (v: number) => string, higherIsBetter: boolean];

function compareColumns(versionA: number, versionB: number): Column<Row>[] {
  return [
    { header: 'Metric', rowHeader: true, cell: ([label]) => label },
    { header: `v${versionA}`, cell: ([, va, , format]) => format(va) },
    { header: `v${versionB}`, cell: ([, , vb, format]) => format(vb) },
    {
      header: 'B − A',
      className: ([, va, vb, , higherIsBetter]) => {
        const delta = vb - va;
        return delta === 0 ? '' : (delta > 0) === higherIsBetter ? 'delta-better' : 'delta-worse';
      },
      cell: ([, va, vb, format]) => {
        const delta = vb - va;
        return delta === 0 ? '=' : `${delta > 0 ? '+' : '−'}${format(Math.abs(delta))}`;
      },
    },
  ];
}

/** A row only when both versions report the figure (versions trained before it was measured do not). */
function placeRow(label: string, a: number | null, b: number | null): Row[] {
  return a === null || b === null ? [] : [[label, a, b, (v) => num(v, 3), true]];
}

/** Two model versions side by side: headline metrics with the difference, per-class F1, confusion matrices. */
export function ModelComparison({ a, b }: { a: ModelVersionFragment; b: ModelVersionFragment }) {
  const rows: Row[] = [
    ['Macro-F1', a.metrics.macroF1, b.metrics.macroF1, (v) => num(v, 3), true],
    ['Accuracy', a.metrics.accuracy, b.metrics.accuracy, (v) => pct(v), true],
    ['Weighted F1', a.metrics.weightedF1, b.metrics.weightedF1, (v) => num(v, 3), true],
    ['Test loss', a.metrics.testLoss, b.metrics.testLoss, (v) => num(v, 3), false],
    ...placeRow('Macro-F1, known places', a.metrics.knownPlaceMacroF1, b.metrics.knownPlaceMacroF1),
    ...placeRow('Macro-F1, new places', a.metrics.newPlaceMacroF1, b.metrics.newPlaceMacroF1),
    ['Majority baseline macro-F1', a.metrics.majorityBaselineMacroF1, b.metrics.majorityBaselineMacroF1, (v) => num(v, 3), true],
    ['Training rows', a.metrics.trainRows, b.metrics.trainRows, int, true],
    ['Test rows', a.metrics.testRows, b.metrics.testRows, int, true],
    ...LABELS.map((label): Row => [`F1 ${label}`, f1(a, label), f1(b, label), (v) => num(v, 3), true]),
  ];
  const chart = useMemo<ChartData<'bar'>>(
    () => ({
      labels: [...LABELS],
      datasets: [
        { label: `v${a.version}`, data: LABELS.map((l) => f1(a, l)), backgroundColor: '#2563eb' },
        { label: `v${b.version}`, data: LABELS.map((l) => f1(b, l)), backgroundColor: '#c2410c' },
      ],
    }),
    [a, b],
  );
  return (
    <div data-testid="model-comparison">
      <div className="split">
        <DataTable
          rows={rows}
          columns={compareColumns(a.version, b.version)}
          rowKey={([label]) => label}
          caption={`v${a.version} compared with v${b.version}`}
          className="compare-table"
        />
        <figure className="figure">
          <figcaption>Per-class F1</figcaption>
          <Chart type="bar" data={chart} options={f1Options} label={`Per-class F1: ${LABELS.map((l) => `${l} v${a.version} ${num(f1(a, l), 2)} v${b.version} ${num(f1(b, l), 2)}`).join('; ')}`} height={300} />
        </figure>
      </div>
      <div className="grid-2">
        <figure className="figure">
          <figcaption>Confusion matrix v{a.version}</figcaption>
          <ConfusionMatrix matrix={a.metrics.confusionMatrix} />
        </figure>
        <figure className="figure">
          <figcaption>Confusion matrix v{b.version}</figcaption>
          <ConfusionMatrix matrix={b.metrics.confusionMatrix} />
        </figure>
      </div>
    </div>
  );
}

function f1(model: ModelVersionFragment, label: string): number {
  return model.metrics.perClass.find((c) => c.label === label)?.f1 ?? 0;
}
