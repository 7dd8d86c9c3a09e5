/** Text repair shared by cleaning and feature encoding. */

// cp1252 code points 0x80-0x9F that differ from Latin-1, mapped back to their byte.
const CP1252_REVERSE = new Map<number, number>([
  [0x20ac, 0x80], [0x201a, 0x82], [0x0192, 0x83], [0x201e, 0x84], [0x2026, 0x85], [0x2020, 0x86],
  [0x2021, 0x87], [0x02c6, 0x88], [0x2030, 0x89], [0x0160, 0x8a], [0x2039, 0x8b], [0x0152, 0x8c],
  [0x017d, 0x8e], [0x2018, 0x91], [0x2019, 0x92], [0x201c, 0x93], [0x201d, 0x94], [0x2022, 0x95],
  [0x2013, 0x96], [0x2014, 0x97], [0x02dc, 0x98], [0x2122, 0x99], [0x0161, 0x9a], [0x203a, 0x9b],
  [0x0153, 0x9c], [0x017e, 0x9e], [0x0178, 0x9f],
]);

const CP1252_EXTRA = '\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178';
// A UTF-8 lead byte (0xC2-0xF4) seen as cp1252, followed by continuation bytes (0x80-0xBF) seen as cp1252.
const MOJIBAKE_RUN = new RegExp(`[\\u00c2-\\u00f4][\\u0080-\\u00bf${CP1252_EXTRA}]+`, 'g');
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

function cp1252Byte(ch: string): number | undefined {
  const code = ch.codePointAt(0) ?? -1;
  if (code <= 0xff) return code;
  return CP1252_REVERSE.get(code);
}

/** A run of mojibake → its repair (or itself); the source has a handful of distinct runs (`â€¯`, `â€“`, …) repeated in every row. */
const repairedRuns = new Map<string, string>();
const REPAIRED_RUNS_LIMIT = 10_000;

function repairRun(run: string): string {
  let repaired = repairedRuns.get(run);
  if (repaired !== undefined) return repaired;
  repaired = decodeRun(run);
  if (repairedRuns.size < REPAIRED_RUNS_LIMIT) repairedRuns.set(run, repaired);
  return repaired;
}

function decodeRun(run: string): string {
  const bytes: number[] = [];
  for (const ch of run) {
    const b = cp1252Byte(ch);
    if (b === undefined) return run;
    bytes.push(b);
  }
  try {
    return fatalUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return run;
  }
}

/**
 * Repairs UTF-8 text that was decoded as cp1252 (`â€“` back to `–`, `â€¯` back to a narrow
 * no-break space). Runs that do not decode as valid UTF-8 are left untouched, so real
 * Latin-1 text such as `Ã©cole` only changes when it really is mojibake.
 */
export function repairMojibake(text: string): string {
  if (!/[\u00c2-\u00f4]/.test(text)) return text;
  return text.replace(MOJIBAKE_RUN, repairRun);
}

const SPACES = /[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+/g;
/** Whatever SPACES and trim() would change: a blank other than a plain space, two in a row, or one at either end. */
const UNUSUAL_SPACING = /[^\S ]|\u200b| {2}|^ | $/;

/** Folds the unusual spaces of the source (no-break, narrow, thin) and repeated blanks into one space. */
export function normalizeSpaces(text: string): string {
  // Most values are already clean; testing is cheaper than rebuilding the string.
  return UNUSUAL_SPACING.test(text) ? text.replace(SPACES, ' ').trim() : text;
}

const PLACEHOLDERS = new Set(['', 'n/a', 'n,/,a', 'na', 'n.a', 'n.a.', 'nan', 'null', 'none', 'nil', '-', '--', '?']);

/** True for the placeholders the source uses for "no value" (`N,/,A`, `N/A`, empty, ...). */
export function isPlaceholder(text: string): boolean {
  return PLACEHOLDERS.has(text.trim().toLowerCase().replace(/\s+/g, ''));
}

/**
 * Longest single-spaced text that can be a placeholder: the longest one has 5 characters
 * (`n,/,a`), so with a space between each, 9.
 */
const PLACEHOLDER_MAX_LENGTH = 9;

/** Repairs, normalises spaces, and turns placeholders into null. */
export function cleanText(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const plain = plainAscii(raw);
  // Plain text is left as it is by repairMojibake and normalizeSpaces, and a placeholder has no digit.
  if (plain === PLAIN_WITH_DIGIT) return raw;
  if (plain === PLAIN) return raw.length <= PLACEHOLDER_MAX_LENGTH && mayBePlaceholder(raw.charCodeAt(0)) && isPlaceholder(raw) ? null : raw;
  let cleaned = cleanedTexts.get(raw);
  if (cleaned === undefined) {
    const text = normalizeSpaces(repairMojibake(raw));
    cleaned = text.length <= PLACEHOLDER_MAX_LENGTH && isPlaceholder(text) ? null : text;
    if (cleanedTexts.size < CLEANED_TEXTS_LIMIT) cleanedTexts.set(raw, cleaned);
  }
  return cleaned;
}

/**
 * Texts that are not plain (mojibake, unusual spaces) → their cleaning. They are mostly operating
 * hours, and few: the 5,769 real rows have 1,618 such texts but 190 distinct ones.
 */
const cleanedTexts = new Map<string, string | null>();
const CLEANED_TEXTS_LIMIT = 10_000;

/** Every placeholder starts with n, N, - or ? (plain text has no blank to strip first). */
function mayBePlaceholder(first: number): boolean {
  return first === 110 || first === 78 || first === 45 || first === 63;
}

const NOT_PLAIN = 0;
const PLAIN = 1;
const PLAIN_WITH_DIGIT = 2;

/**
 * One pass over a field (most of them): printable ASCII with single spaces between words, nothing
 * repairMojibake or normalizeSpaces would change (no character above 126, no blank but a plain
 * space, no two spaces in a row, none at either end), with or without a digit. Three regular
 * expressions per field cost more than this scan.
 */
function plainAscii(text: string): number {
  const n = text.length;
  if (n === 0 || text.charCodeAt(0) === 32 || text.charCodeAt(n - 1) === 32) return NOT_PLAIN;
  let digit = false;
  let space = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 32 && c < 127) {
      if (c >= 48 && c <= 57) digit = true;
      space = false;
    } else if (c === 32 && !space) {
      space = true;
    } else {
      return NOT_PLAIN;
    }
  }
  return digit ? PLAIN_WITH_DIGIT : PLAIN;
}

/** Canonical form of a header name: case, spaces, dashes and underscores do not matter. */
export function canonicalHeader(name: string): string {
  return normalizeSpaces(name.replace(/^\ufeff/, '')).toLowerCase().replace(/[\s_\-.]+/g, '_').replace(/^_|_$/g, '');
}
