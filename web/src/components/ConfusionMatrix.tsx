import { LABELS } from '../api/enums';

/**
 * Confusion matrix as a heatmap table: rows are the true class, columns the predicted class.
 * Cell shade is the share of the row (recall view), the number is the count.
 */
export function ConfusionMatrix({ matrix, caption }: { matrix: number[][]; caption?: string }) {
  return (
    <table className="heatmap">
      {caption && <caption>{caption}</caption>}
      <thead>
        <tr>
          <th scope="col">
            <span className="sr-only">True class by predicted class</span>
            <span aria-hidden="true">true ↓ / predicted →</span>
          </th>
          {LABELS.map((label) => (
            <th scope="col" key={label}>
              {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {LABELS.map((trueLabel, i) => {
          const row = matrix[i] ?? [];
          const total = row.reduce((sum, v) => sum + v, 0);
          return (
            <tr key={trueLabel}>
              <th scope="row">{trueLabel}</th>
              {LABELS.map((predicted, j) => {
                const count = row[j] ?? 0;
                const share = total > 0 ? count / total : 0;
                const diagonal = i === j;
                const hue = diagonal ? '15, 118, 110' : '194, 65, 12';
                return (
                  <td
                    key={predicted}
                    style={{ background: `rgba(${hue}, ${0.08 + share * 0.82})`, color: share > 0.55 ? '#fff' : undefined }}
                    title={`true ${trueLabel}, predicted ${predicted}: ${count} (${Math.round(share * 100)}% of ${trueLabel})`}
                  >
                    <span className="heat-count">{count}</span>
                    <span className="heat-share">{Math.round(share * 100)}%</span>
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
