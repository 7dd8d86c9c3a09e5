import { useEffect, useRef } from 'react';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartData,
  type ChartOptions,
  type ChartType,
} from 'chart.js';

ChartJS.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, PointElement, ScatterController, Tooltip);
ChartJS.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
ChartJS.defaults.color = '#475569';

/**
 * A chart.js chart that updates in place when `data` changes (so live curves grow point by point
 * without redrawing from scratch). The canvas is an image for assistive technology, described by
 * `label`; `summary` (a table or text) is the accessible equivalent.
 */
export function Chart<T extends ChartType>({
  type,
  data,
  options,
  label,
  height = 260,
  testId,
}: {
  type: T;
  data: ChartData<T>;
  options?: ChartOptions<T>;
  label: string;
  height?: number;
  testId?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<ChartJS<T> | null>(null);

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new ChartJS(canvas.current, {
      type,
      data,
      options: { responsive: true, maintainAspectRatio: false, animation: false, ...options } as ChartOptions<T>,
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
    // Rebuilt only when the kind of chart changes; data updates go through the effect below.
  }, [type]);

  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    current.data = data;
    if (options) current.options = { responsive: true, maintainAspectRatio: false, animation: false, ...options } as ChartOptions<T>;
    current.update('none');
  }, [data, options]);

  return (
    <div className="chart" style={{ height }} data-testid={testId}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
