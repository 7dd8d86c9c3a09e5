import { Field } from './Field';

/** A labelled picker for one CSV file; `onChoose` gets the file (or null when the choice is cleared). */
export function CsvFileField({ label, name, hint, error, onChoose }: { label: string; name: string; hint: string; error: string | null; onChoose: (file: File | null) => void }) {
  return (
    <Field label={label} required error={error} hint={hint}>
      {({ id, describedBy, invalid }) => (
        <input id={id} type="file" name={name} accept=".csv,text/csv" aria-describedby={describedBy} aria-invalid={invalid} onChange={(event) => onChoose(event.target.files?.[0] ?? null)} />
      )}
    </Field>
  );
}
