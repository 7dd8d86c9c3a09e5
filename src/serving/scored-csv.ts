/**
 * The scored-CSV layout shared with `npm run predict`: the input columns as they were, then
 * predicted_label, one probability column per class, and error (empty when the row was scored).
 */
import { LABELS, spreadsheetSafe } from '../ml/index.js';

export const PREDICTION_COLUMNS = ['predicted_label', ...LABELS.map((l) => `probability_${l}`), 'error'] as const;

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field (RFC 4180), quoted only when it holds a quote, comma or line break (as csv-stringify
 * does), and with a leading apostrophe when a spreadsheet would take it for a formula (`spreadsheetSafe`).
 */
export function csvField(raw: string): string {
  const value = spreadsheetSafe(raw);
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) line += (i === 0 ? '' : ',') + csvField(fields[i] as string);
  return `${line}\n`;
}

/** A probability as written to CSV: 6 decimals, as `npm run predict` writes it. */
export function formatProbability(p: number): string {
  return p.toFixed(6);
}
