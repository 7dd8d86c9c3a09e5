import { useState, type FormEvent } from 'react';
import type { Dataset } from '../api/types';
import { Field } from './Field';

export interface RetrainValues {
  datasetIds: string[] | null;
  learningRate: number;
  batchSize: number;
  epochs: number;
  patience: number;
  hiddenUnits: number[];
  dropout: number;
  seed: number;
}

type FieldName = 'learningRate' | 'batchSize' | 'epochs' | 'patience' | 'hiddenUnits' | 'dropout' | 'seed';

// Defaults and ranges match the server's resolveHyperparameters (src/ml/hyperparameters.ts).
const DEFAULTS: Record<FieldName, string> = { learningRate: '0.0005', batchSize: '16', epochs: '100', patience: '15', hiddenUnits: '64, 32', dropout: '0.2', seed: '42' };

function validate(raw: Record<FieldName, string>): { values: Omit<RetrainValues, 'datasetIds'> | null; errors: Partial<Record<FieldName, string>> } {
  const errors: Partial<Record<FieldName, string>> = {};
  const number = (field: FieldName, ok: (v: number) => boolean, message: string, integer = false): number => {
    const text = raw[field].trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || !ok(value)) errors[field] = message;
    return value;
  };
  const learningRate = number('learningRate', (v) => v > 0 && v <= 1, 'Enter a number greater than 0 and at most 1');
  const batchSize = number('batchSize', (v) => v >= 1 && v <= 4096, 'Enter a whole number from 1 to 4096', true);
  const epochs = number('epochs', (v) => v >= 1 && v <= 1000, 'Enter a whole number from 1 to 1000', true);
  const patience = number('patience', (v) => v >= 1 && v <= 1000, 'Enter a whole number from 1 to 1000', true);
  const dropout = number('dropout', (v) => v >= 0 && v < 1, 'Enter a number from 0 up to (not including) 1');
  const seed = number('seed', (v) => v >= 0 && v <= 0xffffffff, 'Enter a whole number from 0 to 4294967295', true);
  const parts = raw.hiddenUnits.split(/[\s,]+/).filter(Boolean);
  const hiddenUnits = parts.map(Number);
  if (parts.length < 1 || parts.length > 4 || hiddenUnits.some((u) => !Number.isInteger(u) || u < 1 || u > 1024)) {
    errors.hiddenUnits = 'Enter 1 to 4 layer sizes separated by commas, each 1 to 1024';
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
          {input('learningRate', 'Learning rate', '(0, 1], Adam')}
          {input('batchSize', 'Batch size', '1 to 4096', 'numeric')}
          {input('epochs', 'Epochs (max)', '1 to 1000', 'numeric')}
          {input('patience', 'Patience', 'epochs without improvement before stopping', 'numeric')}
          {input('hiddenUnits', 'Hidden units', 'layer sizes, e.g. 64, 32', 'text')}
          {input('dropout', 'Dropout', '[0, 1)')}
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
