/** Parsing of the free-text operating hours ("Monday: 8:00 AM – 5:00 PM,Tuesday: Open 24 hours,..."). */

export interface ParsedHours {
  /** days listed as "Open 24 hours" */
  days24h: number;
  /** days listed as "Closed" */
  daysClosed: number;
  /** total open hours over the week (a 24 h day counts 24) */
  weeklyHours: number;
  /** no usable hours in the text */
  missing: boolean;
}

const MISSING: ParsedHours = { days24h: 0, daysClosed: 0, weeklyHours: 0, missing: true };
const DAY = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s*:\s*/i;
const TIME = /(\d{1,2})(?::(\d{2}))?\s*([ap])?\.?\s*m?\.?/i;
const RANGE_SPLIT = /\s*[–—-]\s*|\s+to\s+/i;

interface Clock {
  minutes: number;
  meridiem: 'a' | 'p' | null;
}

function parseClock(text: string): Clock | null {
  const m = TIME.exec(text.trim());
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  if (hour > 24 || minute > 59) return null;
  const mer = m[3]?.toLowerCase();
  return { minutes: hour * 60 + minute, meridiem: mer === 'a' || mer === 'p' ? mer : null };
}

function to24h(clock: Clock, fallback: 'a' | 'p' | null): number {
  const mer = clock.meridiem ?? fallback;
  let minutes = clock.minutes;
  if (mer === null || minutes >= 13 * 60) return minutes;
  if (minutes >= 12 * 60) minutes -= 12 * 60; // 12:xx AM is 0:xx, 12:xx PM is 12:xx
  return mer === 'p' ? minutes + 12 * 60 : minutes;
}

/** Hours of one "8:00 AM – 5:00 PM" range, or null when it is not a range. */
function rangeHours(text: string): number | null {
  const parts = text.split(RANGE_SPLIT);
  if (parts.length !== 2) return null;
  const open = parseClock(parts[0] ?? '');
  const close = parseClock(parts[1] ?? '');
  if (!open || !close) return null;
  // "8:00 – 5:00 PM": the opening time without AM/PM takes the closing time's if that gives a sane range.
  let start = to24h(open, open.meridiem ?? close.meridiem);
  const end = to24h(close, close.meridiem);
  if (open.meridiem === null && start > end) start = to24h(open, 'a');
  let minutes = end - start;
  if (minutes <= 0) minutes += 24 * 60; // closes after midnight
  return minutes / 60;
}

/** Parses operating hours into numbers; unparseable or empty text counts as missing. */
export function parseOperatingHours(text: string | null): ParsedHours {
  if (text === null) return MISSING;
  const normalized = text.replace(/[\u00a0\u2009\u202f]/g, ' ').trim();
  if (normalized === '') return MISSING;
  const whole = normalized.toLowerCase();
  if (/^open 24 hours$/.test(whole)) return { days24h: 7, daysClosed: 0, weeklyHours: 168, missing: false };
  if (/^closed$/.test(whole)) return { days24h: 0, daysClosed: 7, weeklyHours: 0, missing: false };

  // Split into day entries; a comma chunk without a day name continues the previous day ("8–12, 2–5 PM").
  const days: string[][] = [];
  for (const chunk of normalized.split(',')) {
    const m = DAY.exec(chunk.trim());
    if (m) days.push([chunk.trim().slice(m[0].length)]);
    else days.at(-1)?.push(chunk.trim());
  }
  if (days.length === 0) return MISSING;
  let days24h = 0;
  let daysClosed = 0;
  let weeklyHours = 0;
  let understood = 0;
  for (const specs of days) {
    const first = (specs[0] ?? '').toLowerCase();
    if (first.includes('24 hours')) {
      days24h++;
      weeklyHours += 24;
      understood++;
    } else if (first.startsWith('closed')) {
      daysClosed++;
      understood++;
    } else {
      let hours = 0;
      let ok = false;
      for (const spec of specs) {
        const h = rangeHours(spec);
        if (h !== null) {
          hours += h;
          ok = true;
        }
      }
      if (ok) {
        weeklyHours += Math.min(hours, 24);
        understood++;
      }
    }
  }
  if (understood === 0) return MISSING;
  return { days24h, daysClosed, weeklyHours, missing: false };
}
