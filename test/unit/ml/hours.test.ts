import { describe, expect, it } from 'vitest';
import { parseOperatingHours } from '../../../src/ml/hours.js';
import { repairMojibake } from '../../../src/ml/text.js';
import { hoursText } from '../../fixtures/synthetic.js';

describe('parseOperatingHours', () => {
  it('counts 24-hour days', () => {
    expect(parseOperatingHours(hoursText('always', false))).toEqual({ days24h: 7, daysClosed: 0, weeklyHours: 168, missing: false });
    expect(parseOperatingHours('Open 24 hours')).toEqual({ days24h: 7, daysClosed: 0, weeklyHours: 168, missing: false });
  });
  it('parses ranges with AM/PM and closed days (also after mojibake repair)', () => {
    const expected = { days24h: 0, daysClosed: 1, weeklyHours: 54, missing: false };
    expect(parseOperatingHours(hoursText('office', false))).toEqual(expected);
    expect(parseOperatingHours(repairMojibake(hoursText('office', true)))).toEqual(expected);
  });
  it('handles mixed days, split ranges, a shared meridiem ("8 – 10 PM" is PM) and past-midnight closing', () => {
    expect(parseOperatingHours('Monday: Closed,Tuesday: Open 24 hours,Wednesday: 8:00 AM – 12:00 PM, 2:00 – 5:00 PM,Thursday: 8 – 10 PM,Friday: 6:00 PM – 2:00 AM')).toEqual({
      days24h: 1, daysClosed: 1, weeklyHours: 24 + 7 + 2 + 8, missing: false,
    });
  });
  it('treats missing and unparseable text as missing', () => {
    for (const t of [null, '', 'call us', 'Monday: whenever']) expect(parseOperatingHours(t).missing).toBe(true);
  });
});
