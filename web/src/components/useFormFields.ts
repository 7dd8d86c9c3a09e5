import { useState } from 'react';

type Errors<N extends string> = Partial<Record<N, string>>;

/**
 * The text of a form's fields as typed, and when to show their errors: once a field has been left,
 * or after a submit was tried. Controls have the ids `${idPrefix}-${field}`.
 */
export function useFormFields<N extends string>(initial: () => Record<N, string>, idPrefix: string) {
  const [values, setValues] = useState(initial);
  const [touched, setTouched] = useState<Partial<Record<N, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  return {
    values,
    setValues,
    id: (field: N) => `${idPrefix}-${field}`,
    /** the error to show beside `field` now */
    shown: (errors: Errors<N>, field: N): string | null => ((touched[field] || submitted) && errors[field]) || null,
    change: (field: N, value: string) => setValues((v) => ({ ...v, [field]: value })),
    leave: (field: N) => setTouched((t) => ({ ...t, [field]: true })),
    /** marks a submit; when a field is invalid, focuses the first and returns false */
    submit(errors: Errors<N>): boolean {
      setSubmitted(true);
      const first = (Object.keys(errors) as N[])[0];
      if (first === undefined) return true;
      document.getElementById(`${idPrefix}-${first}`)?.focus();
      return false;
    },
    /** back to `to`, nothing left or submitted */
    reset(to: Record<N, string>) {
      setValues(to);
      setTouched({});
      setSubmitted(false);
    },
  };
}
