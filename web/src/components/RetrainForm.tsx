import { useState, type FormEvent } from 'react';
import type { DatasetFragment, HyperparametersFragment } from '../api/types';
import { rangeHint, rangeMessage, useInputLimits, withinRange, type InputLimits } from '../limits';
import { TextField } from './TextField';
import { useFormFields } from './useFormFields';
import { SubmitButton } from './SubmitButton';

/** What the form submits: the API's hyperparameters (l2 keeps its default) and the data to train on. */
export type RetrainValues = Omit<HyperparametersFragment, 'l2'> & { datasetIds: string[] | null };

type FieldName = 'learningRate' | 'batchSize' | 'epochs' | 'patience' | 'hiddenUnits' | 'dropout' | 'seed';

// Defaults and ranges are the server's own (serverInfo.inputLimits), so the form refuses exactly what the API would.
function defaults({ hyperparameterDefaults: d }: InputLimits): Record<FieldName, string> {
  return {
    learningRate: String(d.learningRate),
    batchSize: String(d.batchSize),
    epochs: String(d.epochs),
    patience: String(d.patience),
    hiddenUnits: d.hiddenUnits.join(', '),
    dropout: String(d.dropout),
    seed: String(d.seed),
  };
}

function validate(raw: Record<FieldName, string>, limits: InputLimits): { values: Omit<RetrainValues, 'datasetIds'> | null; errors: Partial<Record<FieldName, string>> } {
  const ranges = limits.hyperparameterRanges;
  const errors: Partial<Record<FieldName, string>> = {};
  const number = (field: Exclude<FieldName, 'hiddenUnits'>): number => {
    const text = raw[field].trim();
    const value = Number(text);
    if (text === '' || !withinRange(ranges[field], value)) errors[field] = rangeMessage(ranges[field]);
    return value;
  };
  const learningRate = number('learningRate');
  const batchSize = number('batchSize');
  const epochs = number('epochs');
  const patience = number('patience');
  const dropout = number('dropout');
  const seed = number('seed');
  const layer = ranges.hiddenUnits;
  const parts = raw.hiddenUnits.split(/[\s,]+/).filter(Boolean);
  const hiddenUnits = parts.map(Number);
  if (parts.length < 1 || parts.length > ranges.hiddenLayersMax || hiddenUnits.some((u) => !withinRange(layer, u))) {
    errors.hiddenUnits = `Enter 1 to ${ranges.hiddenLayersMax} layer sizes separated by commas, each ${layer.min} to ${layer.max}`;
  }
  if (Object.keys(errors).length > 0) return { values: null, errors };
  return { values: { learningRate, batchSize, epochs, patience, hiddenUnits, dropout, seed }, errors };
}

/** Hyperparameters for a retrain, validated as you type them, with the data to train on. */
export function RetrainForm({ datasets, busy, onSubmit }: { datasets: DatasetFragment[]; busy: boolean; onSubmit: (values: RetrainValues) => void }) {
  const limits = useInputLimits();
  const ranges = limits.hyperparameterRanges;
  const form = useFormFields<FieldName>(() => defaults(limits), 'hp');
  const [chosen, setChosen] = useState<string[]>([]);
  const { values, errors } = validate(form.values, limits);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (form.submit(errors) && values) onSubmit({ ...values, datasetIds: chosen.length > 0 ? chosen : null });
  }

  const input = (field: FieldName, label: string, hint: string, inputMode: 'decimal' | 'numeric' | 'text' = 'decimal') => (
    <TextField
      id={form.id(field)}
      name={field}
      label={label}
      hint={hint}
      required
      inputMode={inputMode}
      value={form.values[field]}
      error={form.shown(errors, field)}
      onChange={(value) => form.change(field, value)}
      onBlur={() => form.leave(field)}
    />
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
          {input('learningRate', 'Learning rate', `${rangeHint(ranges.learningRate)}, Adam`)}
          {input('batchSize', 'Batch size', rangeHint(ranges.batchSize), 'numeric')}
          {input('epochs', 'Epochs (max)', rangeHint(ranges.epochs), 'numeric')}
          {input('patience', 'Patience', 'epochs without improvement before stopping', 'numeric')}
          {input('hiddenUnits', 'Hidden units', 'layer sizes, e.g. 64, 32', 'text')}
          {input('dropout', 'Dropout', rangeHint(ranges.dropout))}
          {input('seed', 'Seed', 'for a reproducible split and weights', 'numeric')}
        </div>
      </fieldset>
      <div className="actions">
        <SubmitButton busy={busy} label="Start training" busyLabel="Starting…" />
        <button type="button" className="button" onClick={() => form.reset(defaults(limits))}>
          Reset to defaults
        </button>
      </div>
    </form>
  );
}
