import { useState, type FormEvent } from 'react';
import type { Dataset } from '../api/types';
import { DEFAULT_HYPERPARAMETERS, HYPERPARAMETER_LIMITS, withinLimit, type Hyperparameters, type ScalarHyperparameter } from '../../../src/ml/hyperparameters';
import { Field } from './Field';

/** What the form submits: the API's hyperparameters (l2 keeps its default) and the data to train on. */
export type RetrainValues = Omit<Hyperparameters, 'l2'> & { datasetIds: string[] | null };

type FieldName = 'learningRate' | 'batchSize' | 'epochs' | 'patience' | 'hiddenUnits' | 'dropout' | 'seed';

// Defaults and ranges are the server's own (src/ml/hyperparameters.ts), so the form refuses exactly what the API would.
const DEFAULTS: Record<FieldName, string> = {
  learningRate: String(DEFAULT_HYPERPARAMETERS.learningRate),
  batchSize: String(DEFAULT_HYPERPARAMETERS.batchSize),
  epochs: String(DEFAULT_HYPERPARAMETERS.epochs),
  patience: String(DEFAULT_HYPERPARAMETERS.patience),
  hiddenUnits: DEFAULT_HYPERPARAMETERS.hiddenUnits.join(', '),
  dropout: String(DEFAULT_HYPERPARAMETERS.dropout),
  seed: String(DEFAULT_HYPERPARAMETERS.seed),
};

type Limit = (typeof HYPERPARAMETER_LIMITS)[ScalarHyperparameter];

function rangeHint(limit: Limit): string {
  if (limit.integer) return `${limit.min} to ${limit.max}`;
  return `${'minExclusive' in limit ? '(' : '['}${limit.min}, ${limit.max}${'maxExclusive' in limit ? ')' : ']'}`;
}

function rangeMessage(limit: Limit): string {
  if (limit.integer) return `Enter a whole number from ${limit.min} to ${limit.max}`;
  const low = 'minExclusive' in limit ? `greater than ${limit.min}` : `from ${limit.min}`;
  const high = 'maxExclusive' in limit ? `up to (not including) ${limit.max}` : `at most ${limit.max}`;
  return `Enter a number ${low} and ${high}`;
}

function validate(raw: Record<FieldName, string>): { values: Omit<RetrainValues, 'datasetIds'> | null; errors: Partial<Record<FieldName, string>> } {
  const errors: Partial<Record<FieldName, string>> = {};
  const number = (field: Exclude<FieldName, 'hiddenUnits'>): number => {
    const text = raw[field].trim();
    const value = Number(text);
    if (text === '' || !withinLimit(HYPERPARAMETER_LIMITS[field], value)) errors[field] = rangeMessage(HYPERPARAMETER_LIMITS[field]);
    return value;
  };
  const learningRate = number('learningRate');
  const batchSize = number('batchSize');
  const epochs = number('epochs');
  const patience = number('patience');
  const dropout = number('dropout');
  const seed = number('seed');
  const layers = HYPERPARAMETER_LIMITS.hiddenUnits;
  const parts = raw.hiddenUnits.split(/[\s,]+/).filter(Boolean);
  const hiddenUnits = parts.map(Number);
  if (parts.length < 1 || parts.length > layers.maxLayers || hiddenUnits.some((u) => !withinLimit(layers, u))) {
    errors.hiddenUnits = `Enter 1 to ${layers.maxLayers} layer sizes separated by commas, each ${layers.min} to ${layers.max}`;
  }
  if (Object.keys(errors).length > 0) return { values: null, errors };
  return { values: { learningRate, batchSize, epochs, patience, hiddenUnits, dropout, seed }, errors };
}

/** Hyperparameters for a retrain, validated as you type them, with the data to train on. */
export function RetrainForm({ datasets, busy, onSubmit }: { datasets: Dataset[]; busy: boolean; onSubmit: (values: RetrainValues) => void }) {
  const [raw, setRaw] = useState<Record<FieldName, string>>(DEFAULTS);
  const [touched, setTouched] = useState<Partial<Record<FieldName, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const { values, errors } = validate(raw);
  const shown = (field: FieldName) => ((touched[field] || submitted) && errors[field]) || null;

  function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    if (!values) {
      const firstInvalid = (Object.keys(errors) as FieldName[])[0];
      if (firstInvalid) document.getElementById(`hp-${firstInvalid}`)?.focus();
      return;
    }
    onSubmit({ ...values, datasetIds: chosen.length > 0 ? chosen : null });
  }

  const input = (field: FieldName, label: string, hint: string, inputMode: 'decimal' | 'numeric' | 'text' = 'decimal') => (
    <Field id={`hp-${field}`} label={label} hint={hint} error={shown(field)} required>
      {({ describedBy, invalid }) => (
        <input
          id={`hp-${field}`}
          name={field}
          type="text"
          inputMode={inputMode}
          value={raw[field]}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          onChange={(event) => setRaw((r) => ({ ...r, [field]: event.target.value }))}
          onBlur={() => setTouched((t) => ({ ...t, [field]: true }))}
        />
      )}
    </Field>
  );

  return (
    <form onSubmit={submit} noValidate data-testid="retrain-form">
      <fieldset className="fieldset">
        <legend>Training data</legend>
        {datasets.length === 0 ? (
          <p className="muted small">No uploaded datasets: the retrain uses the data the server already has.</p>
        ) : (
          <div className="checks">
            <p className="muted small">Leave all unchecked to train on every dataset.</p>
            {datasets.map((d) => (
              <div className="field-check" key={d.id}>
                <input
                  id={`ds-${d.id}`}
                  type="checkbox"
                  checked={chosen.includes(d.id)}
                  onChange={(event) => setChosen((c) => (event.target.checked ? [...c, d.id] : c.filter((x) => x !== d.id)))}
                />
                <label htmlFor={`ds-${d.id}`}>
                  {d.name} <span className="muted">({d.labeledCount} labeled)</span>
                </label>
              </div>
            ))}
          </div>
        )}
      </fieldset>
      <fieldset className="fieldset">
        <legend>Hyperparameters</legend>
        <div className="form-grid form-grid-3">
          {input('learningRate', 'Learning rate', `${rangeHint(HYPERPARAMETER_LIMITS.learningRate)}, Adam`)}
          {input('batchSize', 'Batch size', rangeHint(HYPERPARAMETER_LIMITS.batchSize), 'numeric')}
          {input('epochs', 'Epochs (max)', rangeHint(HYPERPARAMETER_LIMITS.epochs), 'numeric')}
          {input('patience', 'Patience', 'epochs without improvement before stopping', 'numeric')}
          {input('hiddenUnits', 'Hidden units', 'layer sizes, e.g. 64, 32', 'text')}
          {input('dropout', 'Dropout', rangeHint(HYPERPARAMETER_LIMITS.dropout))}
          {input('seed', 'Seed', 'for a reproducible split and weights', 'numeric')}
        </div>
      </fieldset>
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Starting…' : 'Start training'}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            setRaw(DEFAULTS);
            setTouched({});
            setSubmitted(false);
          }}
        >
          Reset to defaults
        </button>
      </div>
    </form>
  );
}
