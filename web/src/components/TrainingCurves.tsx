import { useMemo } from 'react';
import type { ChartData, ChartOptions } from 'chart.js';
import type { EpochMetricsFragment } from '../api/types';
import { Chart } from './Chart';

const lossOptions: ChartOptions<'line'> = {
  plugins: { legend: { position: 'bottom' } },
  scales: { x: { title: { display: true, text: 'epoch' } }, y: { title: { display: true, text: 'loss' } } },
};
const accuracyOptions: ChartOptions<'line'> = {
  plugins: { legend: { position: 'bottom' } },
  scales: { x: { title: { display: true, text: 'epoch' } }, y: { min: 0, max: 1, title: { display: true, text: 'accuracy' } } },
};

function line(label: string, data: (number | null)[], color: string, dashed = false) {
  return { label, data, borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 2, borderDash: dashed ? [6, 4] : undefined, spanGaps: true, tension: 0.2 };
}

/** Loss and accuracy per epoch, train (solid) and validation (dashed), growing as epochs arrive. */
export function TrainingCurves({ epochs }: { epochs: EpochMetricsFragment[] }) {
  const { loss, accuracy } = useMemo(() => {
    const labels = epochs.map((e) => String(e.epoch));
    const loss: ChartData<'line'> = {
      labels,
      datasets: [line('train loss', epochs.map((e) => e.loss), '#2563eb'), line('validation loss', epochs.map((e) => e.valLoss), '#c2410c', true)],
    };
    const accuracy: ChartData<'line'> = {
      labels,
      datasets: [line('train accuracy', epochs.map((e) => e.accuracy), '#2563eb'), line('validation accuracy', epochs.map((e) => e.valAccuracy), '#c2410c', true)],
    };
    return { loss, accuracy };
  }, [epochs]);
  const last = epochs.at(-1);
  const summary = last
    ? `after epoch ${last.epoch}: loss ${last.loss.toFixed(3)}, validation loss ${last.valLoss?.toFixed(3) ?? 'n/a'}, accuracy ${last.accuracy.toFixed(3)}, validation accuracy ${last.valAccuracy?.toFixed(3) ?? 'n/a'}`
    : 'no epochs yet';
  return (
    <div className="grid-2">
      <figure className="figure">
        <figcaption>Loss</figcaption>
        <Chart type="line" data={loss} options={lossOptions} label={`Loss curve, ${summary}`} testId="loss-chart" />
      </figure>
      <figure className="figure">
        <figcaption>Accuracy</figcaption>
        <Chart type="line" data={accuracy} options={accuracyOptions} label={`Accuracy curve, ${summary}`} testId="accuracy-chart" />
      </figure>
    </div>
  );
}
