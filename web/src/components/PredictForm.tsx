import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, request } from '../api/client';
import { PredictDocument } from '../api/documents';
import { CARE_SYSTEMS } from '../api/enums';
import type { CareSystem, FacilityInput, PredictionFragment } from '../api/types';
import { ClassBadge } from './StatusBadge';
import { ErrorMessage } from './ErrorMessage';
import { Field } from './Field';
import { TextField } from './TextField';
import { useFormFields } from './useFormFields';
import { ProbabilityBars } from './ProbabilityBars';
import { pct } from '../format';
import { useInputLimits } from '../limits';
import { SubmitButton } from './SubmitButton';

type Name = 'facilityName' | 'services' | 'latitude' | 'longitude' | 'operatingHours' | 'website' | 'phoneNumber' | 'careSystem' | 'subcounty' | 'modelVersion';
type Values = Record<Name, string>;

const EMPTY: Values = {
  facilityName: '',
  services: '',
  latitude: '',
  longitude: '',
  operatingHours: '',
  website: '',
  phoneNumber: '',
  careSystem: '',
  subcounty: '',
  modelVersion: '',
};

/**
 * Client-side checks mirroring the server's (src/ml/clean.ts validateFacilityInput), so mistakes
 * show as you type; the text length limit is the server's own (serverInfo.inputLimits).
 */
function validate(v: Values, textMaxLength: number): Partial<Record<Name, string>> {
  const errors: Partial<Record<Name, string>> = {};
  if (!v.services.trim()) errors.services = 'Enter at least one service, e.g. "Maternity, Laboratory"';
  if (!v.subcounty.trim()) errors.subcounty = 'Enter the subcounty';
  if (!CARE_SYSTEMS.includes(v.careSystem as CareSystem)) errors.careSystem = 'Choose the care system';
  const coordinate = (field: 'latitude' | 'longitude', bound: number) => {
    const text = v[field].trim();
    if (!text) return;
    const n = Number(text);
    if (!Number.isFinite(n)) errors[field] = `${field === 'latitude' ? 'Latitude' : 'Longitude'} must be a number`;
    else if (Math.abs(n) > bound) errors[field] = `Must be between −${bound} and ${bound}`;
  };
  coordinate('latitude', 90);
  coordinate('longitude', 180);
  if (!errors.latitude && !errors.longitude && Boolean(v.latitude.trim()) !== Boolean(v.longitude.trim())) {
    errors[v.latitude.trim() ? 'longitude' : 'latitude'] = 'Give both latitude and longitude, or neither';
  }
  for (const field of ['facilityName', 'services', 'operatingHours', 'website', 'phoneNumber', 'subcounty'] as const) {
    if (v[field].length > textMaxLength) errors[field] = `At most ${textMaxLength} characters`;
  }
  if (v.website.trim() && !/^(https?:\/\/)?[^\s.]+\.[^\s]+$/i.test(v.website.trim())) errors.website = 'Enter a web address such as https://example.org';
  if (v.modelVersion.trim() && !/^\d+$/.test(v.modelVersion.trim())) errors.modelVersion = 'Enter a version number, or leave empty for the active model';
  return errors;
}

function toInput(v: Values): FacilityInput {
  const text = (s: string) => (s.trim() ? s.trim() : null);
  return {
    facilityName: text(v.facilityName),
    services: v.services.trim(),
    latitude: v.latitude.trim() ? Number(v.latitude) : null,
    longitude: v.longitude.trim() ? Number(v.longitude) : null,
    operatingHours: text(v.operatingHours),
    website: text(v.website),
    phoneNumber: text(v.phoneNumber),
    careSystem: v.careSystem as CareSystem,
    subcounty: v.subcounty.trim(),
  };
}

const EXAMPLE: Values = {
  ...EMPTY,
  facilityName: 'Kasubi Health Centre III',
  services: 'General Care, Maternity, Laboratory',
  latitude: '0.3302',
  longitude: '32.5527',
  operatingHours: 'Monday: Open 24 hours,Tuesday: Open 24 hours,Wednesday: Open 24 hours,Thursday: Open 24 hours,Friday: Open 24 hours,Saturday: Open 24 hours,Sunday: Open 24 hours',
  phoneNumber: '0772123456',
  careSystem: 'GOVT',
  subcounty: 'Rubaga Division',
};

/** Predicts one facility's rating class; shows the label and a bar per class probability. */
export function PredictForm() {
  const form = useFormFields<Name>(() => EMPTY, 'pf');
  const values = form.values;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [serverField, setServerField] = useState<{ field: Name; message: string } | null>(null);
  const [result, setResult] = useState<PredictionFragment | null>(null);
  const { textMaxLength } = useInputLimits();
  const errors = validate(values, textMaxLength);
  const resultRef = useRef<HTMLDivElement>(null);
  // On a phone the answer lands below the form: bring it into view.
  useEffect(() => {
    if (result || error) resultRef.current?.scrollIntoView({ block: 'nearest' });
  }, [result, error]);
  const shown = (field: Name): string | null => (serverField?.field === field ? serverField.message : null) ?? form.shown(errors, field);

  const set = (field: Name) => (value: string) => {
    form.change(field, value);
    if (serverField?.field === field) setServerField(null);
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!form.submit(errors)) return;
    setBusy(true);
    setError(null);
    setServerField(null);
    try {
      const modelVersion = values.modelVersion.trim() ? Number(values.modelVersion) : null;
      const data = await request(PredictDocument, { input: toInput(values), modelVersion });
      setResult(data.predict);
    } catch (caught) {
      setResult(null);
      setError(caught);
      // The server names the offending field as e.g. "input.latitude": show it beside that input too.
      if (caught instanceof ApiError && caught.field) {
        const field = caught.field.replace(/^input\./, '') as Name;
        if (field in EMPTY) setServerField({ field, message: caught.message });
      }
    } finally {
      setBusy(false);
    }
  }

  const text = (field: Name, label: string, options: { required?: boolean; hint?: string; inputMode?: 'decimal' | 'tel' | 'url' | 'numeric'; type?: string } = {}) => (
    <TextField id={form.id(field)} name={field} label={label} {...options} autoComplete="off" value={values[field]} error={shown(field)} onChange={set(field)} onBlur={() => form.leave(field)} />
  );

  return (
    <div className="predict-layout">
      <form onSubmit={(event) => void submit(event)} noValidate data-testid="predict-form" aria-label="Predict one facility">
        <div className="form-grid form-grid-2">
          {text('facilityName', 'Facility name', { hint: 'The type in the name (HC III, Clinic…) helps the model' })}
          {text('services', 'Services', { required: true, hint: 'Comma-separated' })}
          <Field id="pf-careSystem" label="Care system" required error={shown('careSystem')}>
            {({ describedBy, invalid }) => (
              <select id="pf-careSystem" name="careSystem" value={values.careSystem} onChange={(event) => set('careSystem')(event.target.value)} onBlur={() => form.leave('careSystem')} aria-describedby={describedBy} aria-invalid={invalid} aria-required>
                <option value="">Choose…</option>
                <option value="GOVT">GOVT (government)</option>
                <option value="PFP">PFP (private for profit)</option>
                <option value="PNFP">PNFP (private not for profit)</option>
              </select>
            )}
          </Field>
          {text('subcounty', 'Subcounty', { required: true })}
          {text('latitude', 'Latitude', { inputMode: 'decimal', hint: 'Decimal degrees, e.g. 0.3302' })}
          {text('longitude', 'Longitude', { inputMode: 'decimal', hint: 'Decimal degrees, e.g. 32.5527' })}
          {text('phoneNumber', 'Phone number', { inputMode: 'tel', type: 'tel' })}
          {text('website', 'Website', { inputMode: 'url' })}
        </div>
        <Field id="pf-operatingHours" label="Operating hours" hint='As in the data, e.g. "Monday: 8:00 AM – 5:00 PM,Tuesday: …"' error={shown('operatingHours')}>
          {({ id, describedBy, invalid }) => (
            <textarea id={id} name="operatingHours" rows={2} value={values.operatingHours} onChange={(event) => set('operatingHours')(event.target.value)} onBlur={() => form.leave('operatingHours')} aria-describedby={describedBy} aria-invalid={invalid} />
          )}
        </Field>
        <div className="form-grid form-grid-2">
          {text('modelVersion', 'Model version', { inputMode: 'numeric', hint: 'Empty = the active model' })}
        </div>
        <div className="actions">
          <SubmitButton busy={busy} label="Predict" busyLabel="Predicting…" />
          <button
            type="button"
            className="button"
            onClick={() => {
              form.setValues(EXAMPLE);
              setServerField(null);
            }}
          >
            Fill an example
          </button>
          <button
            type="button"
            className="button button-quiet"
            onClick={() => {
              form.reset(EMPTY);
              setResult(null);
              setError(null);
              setServerField(null);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <div className="predict-result" aria-live="polite" ref={resultRef}>
        <ErrorMessage error={error} title="Prediction failed" />
        {result ? (
          <div className="result-card" data-testid="prediction-result">
            <p className="result-label">
              Predicted rating class <ClassBadge label={result.label} />
            </p>
            <p className="muted">
              {pct(result.confidence)} confident · model v{result.modelVersion}
            </p>
            <ProbabilityBars probabilities={result.probabilities} predicted={result.label} />
          </div>
        ) : (
          !error && <p className="muted">Fill in the facility and press Predict.</p>
        )}
      </div>
    </div>
  );
}
