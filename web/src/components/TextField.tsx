import { Field } from './Field';

/** A labelled one-line text input with its hint and inline error (see Field). */
export function TextField({
  id,
  name,
  label,
  value,
  onChange,
  onBlur,
  hint,
  error,
  required,
  inputMode,
  type = 'text',
  autoComplete,
}: {
  id: string;
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  hint?: string;
  error?: string | null;
  required?: boolean;
  inputMode?: 'decimal' | 'numeric' | 'tel' | 'url' | 'text';
  type?: string;
  autoComplete?: string;
}) {
  return (
    <Field id={id} label={label} hint={hint} error={error} required={required}>
      {({ describedBy, invalid }) => (
        <input
          id={id}
          name={name}
          type={type}
          inputMode={inputMode}
          autoComplete={autoComplete}
          value={value}
          onChange={(event) => onChange(event.target.value)}
          onBlur={onBlur}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          aria-required={required}
        />
      )}
    </Field>
  );
}
