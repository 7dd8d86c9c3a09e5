import type { ModelVersionFragment } from '../api/types';
import { bytes, dateTime, int, num, pct } from '../format';
import { Stat } from './Stat';
import { StatusBadge } from './StatusBadge';

/** The headline facts of one model version. */
export function ModelSummary({ model }: { model: ModelVersionFragment }) {
  const m = model.metrics;
  const lift = m.macroF1 - m.majorityBaselineMacroF1;
  const data = model.datasets.length > 0 ? model.datasets.map((d) => d.name).join(', ') : model.source === 'bundled' ? 'bundled training data' : '—';
  return (
    <dl className="stats" data-testid={`model-summary-${model.version}`}>
      <Stat label="Version" value={<>v{model.version} <StatusBadge status={model.status} /></>} note={model.source} />
      {model.loadError !== null && (
        <Stat label="Bundle" value={<span className="badge badge-failed">NOT SERVED</span>} note={model.loadError} testId={`model-load-error-${model.version}`} />
      )}
      <Stat label="Macro-F1" value={num(m.macroF1, 3)} note={`baseline ${num(m.majorityBaselineMacroF1, 3)} (${lift >= 0 ? '+' : ''}${num(lift, 3)})`} />
      <Stat label="Accuracy" value={pct(m.accuracy)} note={`weighted F1 ${num(m.weightedF1, 3)}`} />
      {m.knownPlaceMacroF1 !== null && (
        <Stat label="Macro-F1, known places" value={num(m.knownPlaceMacroF1, 3)} note={`${int(m.knownPlaceRows ?? 0)} test rows at coordinates seen in training`} />
      )}
      {m.newPlaceMacroF1 !== null && (
        <Stat label="Macro-F1, new places" value={num(m.newPlaceMacroF1, 3)} note={`${int(m.newPlaceRows ?? 0)} test rows at coordinates not in training`} />
      )}
      <Stat label="Trained" value={dateTime(model.createdAt)} note={model.activatedAt ? `active since ${dateTime(model.activatedAt)}` : undefined} />
      <Stat label="Data" value={`${int(model.rowCount)} rows`} note={data} />
      <Stat label="Split" value={`${int(m.trainRows)} / ${int(m.validationRows)} / ${int(m.testRows)}`} note="train / validation / test" />
      <Stat label="Backend" value={model.backend} note={bytes(model.sizeBytes)} />
    </dl>
  );
}
