import type { PredictionFragment } from '../api/types';
import { CLASS_COLORS, pct } from '../format';

/** One horizontal bar per class probability (HTML, so it reads as a list of values). */
export function ProbabilityBars({ probabilities, predicted }: { probabilities: PredictionFragment['probabilities']; predicted: string }) {
  return (
    <ul className="prob-bars" aria-label="Class probabilities">
      {probabilities.map((p) => (
        <li key={p.label} className={p.label === predicted ? 'prob-predicted' : undefined}>
          <span className="prob-label">{p.label}</span>
          <span className="prob-track" aria-hidden="true">
            <span className="prob-fill" style={{ width: `${Math.max(0.5, p.probability * 100)}%`, background: CLASS_COLORS[p.label] }} />
          </span>
          <span className="prob-value">{pct(p.probability)}</span>
        </li>
      ))}
    </ul>
  );
}
