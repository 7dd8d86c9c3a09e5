import { describe, expect, it } from 'vitest';
import { cleanRawRow, collapseDuplicates, isPlainDecimal, normalizeFacilityInput, validateFacilityInput } from '../../../src/ml/clean.js';
import { canonicalHeader, cleanText, isPlaceholder, repairMojibake } from '../../../src/ml/text.js';
import { labelForRating } from '../../../src/ml/types.js';

const raw = (over: Record<string, string> = {}): Record<string, string> => ({
  facility_name: 'Kasubi HC III', services: 'OPD, Laboratory', latitude: '0.327', longitude: '32.55', rating: '4.1',
  operating_hours: 'Monday: Open 24 hours', website: '', phone_number: '0706 399074', care_system: 'GOVT',
  mode_of_payment: 'cash', subcounty: 'Buikwe Subcounty', ...over,
});

describe('text repair', () => {
  it('repairs UTF-8 read as cp1252 (â€¯ and â€“)', () => {
    expect(repairMojibake('8:00\u00e2\u20ac\u00afAM\u00e2\u20ac\u2030\u00e2\u20ac\u201c\u00e2\u20ac\u20305:00\u00e2\u20ac\u00afPM')).toBe('8:00\u202fAM\u2009\u2013\u20095:00\u202fPM');
    expect(repairMojibake('Caf\u00c3\u00a9')).toBe('Café');
  });
  it('leaves correct text alone, including real Latin-1 characters', () => {
    expect(repairMojibake('8:00 AM – 5:00 PM')).toBe('8:00 AM – 5:00 PM');
    expect(repairMojibake('Âge moyen')).toBe('Âge moyen');
  });
  it('turns placeholders into missing', () => {
    for (const p of ['N,/,A', 'N/A', 'n/a', '', '  ', 'NA']) expect(isPlaceholder(p)).toBe(true);
    expect(cleanText('N,/,A')).toBeNull();
    expect(cleanText('  General\u00a0 Care ')).toBe('General Care');
  });
  it('gives plain ASCII fields (the fast path) the same answer as the full cleaning', () => {
    const full = (t: string) => {
      const text = t.replace(/[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+/g, ' ').trim();
      return text.length <= 9 && isPlaceholder(text) ? null : text;
    };
    for (const t of ['Kasubi HC III', '0.3270009', 'N/A', 'n.a.', 'NaN', '-', '--', '?', 'none', 'GOVT', 'cash', '4', 'a  b', ' x', 'x ', 'a\tb', 'N / A', 'n,/,a']) {
      expect(cleanText(t)).toBe(full(t));
    }
  });
  it('matches header names case- and space-insensitively', () => {
    expect(canonicalHeader('Mode of Payment')).toBe('mode_of_payment');
    expect(canonicalHeader(' Subcounty ')).toBe('subcounty');
    expect(canonicalHeader('\ufeffFacility Name')).toBe('facility_name');
    expect(canonicalHeader('PHONE-NUMBER')).toBe('phone_number');
  });
});

describe('isPlainDecimal', () => {
  it('accepts exactly what the plain-decimal regular expression accepts', () => {
    const re = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
    const cases = ['', '0', '4', '4.5', '-0.35', '+256', '5.', '.5', '+.5', '-.', '.', '+', '-', '1e5', '1E-5', '1.5e+3', '.5e1', '1e', '1e+', 'e5', '1.2.3', '3,5',
      '4 stars', ' 1', '1 ', '0x10', 'Infinity', 'NaN', '1_000', '١', '00.100', '1e5.5', '--1', '+-1', '1ee5', '32.5523'];
    for (const c of cases) expect(isPlainDecimal(c), c).toBe(re.test(c));
  });
});

describe('labelForRating', () => {
  it('follows the seed rule', () => {
    expect(labelForRating(1)).toBe('LOW');
    expect(labelForRating(2.5)).toBe('LOW');
    expect(labelForRating(2.6)).toBe('MEDIUM');
    expect(labelForRating(3.5)).toBe('MEDIUM');
    expect(labelForRating(3.51)).toBe('HIGH');
    expect(labelForRating(5)).toBe('HIGH');
  });
});

describe('cleanRawRow', () => {
  it('cleans a good row', () => {
    const r = cleanRawRow(raw(), 2);
    expect(r).toEqual({
      record: {
        facilityName: 'Kasubi HC III', services: 'OPD, Laboratory', latitude: 0.327, longitude: 32.55, rating: 4.1,
        operatingHours: 'Monday: Open 24 hours', website: null, phoneNumber: '0706 399074', careSystem: 'GOVT', subcounty: 'Buikwe Subcounty',
      },
    });
  });
  it('folds care-system case variants', () => {
    for (const v of ['Govt', 'govt', ' GOVT ', 'Government']) expect(cleanRawRow(raw({ care_system: v }), 2)).toMatchObject({ record: { careSystem: 'GOVT' } });
    expect(cleanRawRow(raw({ care_system: 'pnfp' }), 2)).toMatchObject({ record: { careSystem: 'PNFP' } });
    expect(cleanRawRow(raw({ care_system: 'N/A' }), 2)).toMatchObject({ record: { careSystem: null } });
  });
  it('rejects an unknown care system with line, column and reason', () => {
    expect(cleanRawRow(raw({ care_system: 'MILITARY' }), 9)).toEqual({ rejected: { line: 9, column: 'care_system', reason: 'expected one of GOVT, PFP, PNFP, got "MILITARY"' } });
  });
  it('keeps unlabeled rows as unlabeled (never imputed)', () => {
    expect(cleanRawRow(raw({ rating: '' }), 2)).toMatchObject({ record: { rating: null } });
    expect(cleanRawRow(raw({ rating: 'N/A' }), 2)).toMatchObject({ record: { rating: null } });
  });
  it('rejects a bad or out-of-range rating', () => {
    expect(cleanRawRow(raw({ rating: 'good' }), 4)).toMatchObject({ rejected: { line: 4, column: 'rating' } });
    expect(cleanRawRow(raw({ rating: '7' }), 4)).toMatchObject({ rejected: { line: 4, column: 'rating' } });
    expect(cleanRawRow(raw({ rating: '0' }), 4)).toMatchObject({ rejected: { column: 'rating' } });
  });
  it('rejects a coordinate that is not a number', () => {
    expect(cleanRawRow(raw({ latitude: '0.3a' }), 5)).toEqual({ rejected: { line: 5, column: 'latitude', reason: 'expected a number in degrees, got "0.3a"' } });
  });
  it('makes coordinates outside Uganda missing (both of them)', () => {
    expect(cleanRawRow(raw({ latitude: '51.5', longitude: '-0.12' }), 2)).toMatchObject({ record: { latitude: null, longitude: null } });
    expect(cleanRawRow(raw({ latitude: '0.3', longitude: '40.1' }), 2)).toMatchObject({ record: { latitude: null, longitude: null } });
    expect(cleanRawRow(raw({ latitude: '', longitude: '32.5' }), 2)).toMatchObject({ record: { latitude: null, longitude: null } });
  });
  it('repairs mojibake and placeholders in text fields', () => {
    const r = cleanRawRow(raw({ operating_hours: 'N,/,A', website: 'N/A', services: 'Caf\u00c3\u00a9 services' }), 2);
    expect(r).toMatchObject({ record: { operatingHours: null, website: null, services: 'Café services' } });
  });
  it('rejects an empty row', () => {
    const empty = Object.fromEntries(Object.keys(raw()).map((k) => [k, '']));
    expect(cleanRawRow(empty, 3)).toEqual({ rejected: { line: 3, column: null, reason: 'empty row' } });
  });
  it('accepts non-canonical header keys', () => {
    expect(cleanRawRow({ 'Facility Name': 'X Clinic', RATING: '3', 'Care System': 'pfp' }, 2)).toMatchObject({ record: { facilityName: 'X Clinic', rating: 3, careSystem: 'PFP' } });
  });
});

describe('duplicates', () => {
  const rec = (name: string, lat: number | null, rating: number | null) => ({ record: { ...normalizeFacilityInput({ facilityName: name, latitude: lat, longitude: lat === null ? null : 32.5 }), rating } });
  it('collapses rows with the same name and coordinates, preferring a labeled copy', () => {
    const { rows, collapsed } = collapseDuplicates([rec('Mengo Hospital', 0.3, null), rec('mengo  hospital', 0.3, 4), rec('Mengo Hospital', 0.31, 3), rec('Other', 0.3, 2)]);
    expect(collapsed).toBe(1);
    expect(rows.map((r) => [r.record.facilityName, r.record.rating])).toEqual([['mengo hospital', 4], ['Mengo Hospital', 3], ['Other', 2]]);
  });
  it('does not collapse same-name rows without coordinates', () => {
    expect(collapseDuplicates([rec('St. Anthony Clinic', null, 4), rec('St. Anthony Clinic', null, 3)]).collapsed).toBe(0);
  });
});

describe('validateFacilityInput / normalizeFacilityInput', () => {
  it('accepts a sparse input and rejects bad values naming the field', () => {
    expect(validateFacilityInput({})).toBeNull();
    expect(validateFacilityInput({ facilityName: 'X', latitude: 0.3, longitude: 32.5, careSystem: 'PFP' })).toBeNull();
    expect(validateFacilityInput({ latitude: 120 })).toMatchObject({ field: 'latitude' });
    expect(validateFacilityInput({ longitude: Number.NaN })).toMatchObject({ field: 'longitude' });
    expect(validateFacilityInput({ careSystem: 'X' as never })).toMatchObject({ field: 'careSystem' });
    expect(validateFacilityInput({ services: 'x'.repeat(5000) })).toMatchObject({ field: 'services' });
  });
  it('normalises like the CSV path', () => {
    expect(normalizeFacilityInput({ facilityName: ' N/A ', latitude: 51, longitude: 0, operatingHours: 'N,/,A' })).toEqual({
      facilityName: null, services: null, latitude: null, longitude: null, rating: null, operatingHours: null, website: null, phoneNumber: null, careSystem: null, subcounty: null,
    });
  });
});
