/**
 * Formula injection: a spreadsheet opening a CSV runs a cell that starts with = + - @ (or a tab or
 * carriage return, which some strip first) as a formula — `=HYPERLINK(...)` in a facility name
 * would run on the analyst's machine. Such cells get a leading apostrophe (OWASP's advice), which
 * spreadsheets show as text. Plain numbers (-0.35, +256) are left alone: they cannot be formulas
 * and negative coordinates must stay numbers.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function spreadsheetSafe(value: string): string {
  // = + - @ tab CR: the only first characters that need a look (every cell of a scored CSV passes here)
  const c = value.charCodeAt(0);
  if (c !== 61 && c !== 43 && c !== 45 && c !== 64 && c !== 9 && c !== 13) return value;
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}
