import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvFormatError, CsvLimitError, readFacilityCsv, forEachFacilityChunk } from '../../../src/ml/csv.js';
import { syntheticCsv } from '../../fixtures/synthetic.js';

const HEADER = 'facility_name,services,latitude,longitude,rating,operating_hours,website,phone_number,care_system,mode of payment,Subcounty';
const read = (text: string | Buffer, opts = {}) => readFacilityCsv(Readable.from([text]), opts);

describe('readFacilityCsv', () => {
  it('handles a BOM, CRLF, RFC 4180 quoting (commas, quotes, newlines in fields) and reports start lines', async () => {
    const text = '\ufeff' + [
      HEADER,
      'A HC II,"OPD, Lab",0.3,32.5,4,"Monday: Open 24 hours,Tuesday: Closed",,,GOVT,cash,Kira',
      'B Clinic,"He said ""hi""\nand left",0.4,32.6,2,,,,PFP,cash,Kira',
      'C Hospital,,0.5,32.7,,,,,PNFP,cash,Kira',
    ].join('\r\n') + '\r\n';
    const r = await read(text);
    expect(r.rejected).toEqual([]);
    expect(r.rows.map((x) => x.line)).toEqual([2, 3, 5]);
    expect(r.rows[1]?.record.services).toBe('He said "hi" and left');
    expect(r.rows[0]?.record.services).toBe('OPD, Lab');
    expect(r.header).toContain('mode_of_payment');
  });

  it('matches header names case- and space-insensitively, in any order', async () => {
    const r = await read('RATING, Facility Name ,CARE SYSTEM\n3.2,X Clinic,Govt\n');
    expect(r.rows[0]?.record).toMatchObject({ facilityName: 'X Clinic', rating: 3.2, careSystem: 'GOVT' });
  });

  it('returns every rejected row with its line, column and reason', async () => {
    const text = [HEADER, 'A,,0.3,32.5,abc,,,,GOVT,cash,K', 'B,,0.3,32.5,4,,,,ARMY,cash,K', 'C,,0.3', 'D,,0.3,32.5,4,,,,PFP,cash,K'].join('\n');
    const r = await read(text);
    expect(r.rows).toHaveLength(1);
    expect(r.rejected).toEqual([
      { line: 2, column: 'rating', reason: 'expected a number from 1 to 5, got "abc"' },
      { line: 3, column: 'care_system', reason: 'expected one of GOVT, PFP, PNFP, got "ARMY"' },
      { line: 4, column: null, reason: 'expected 11 fields, found 3' },
    ]);
  });

  it('collapses rows with the same name and coordinates', async () => {
    const row = 'Mengo Hospital,,0.3,32.5,4,,,,PNFP,cash,K';
    const r = await read([HEADER, row, row, 'Mengo Hospital,,0.4,32.5,4,,,,PNFP,cash,K'].join('\n'));
    expect(r.rows).toHaveLength(2);
    expect(r.duplicatesCollapsed).toBe(1);
  });

  it('keeps unlabeled rows, marked by a null rating', async () => {
    const r = await read(syntheticCsv({ rows: 200, unlabeledFraction: 0.3, dirty: true }));
    const unlabeled = r.rows.filter((x) => x.record.rating === null).length;
    expect(unlabeled).toBeGreaterThan(30);
    expect(unlabeled).toBeLessThan(r.rows.length);
    expect(r.duplicatesCollapsed).toBeGreaterThan(0);
    // Dirty synthetic data: case variants folded, out-of-Uganda points missing, mojibake repaired.
    expect(r.rows.every((x) => x.record.careSystem === null || ['GOVT', 'PFP', 'PNFP'].includes(x.record.careSystem))).toBe(true);
    expect(r.rows.some((x) => x.record.latitude === null)).toBe(true);
    expect(r.rows.some((x) => x.record.operatingHours?.includes('\u2013'))).toBe(true);
    expect(r.rows.every((x) => !x.record.operatingHours?.includes('\u00e2'))).toBe(true);
  });

  it('streams input in small chunks', async () => {
    const text = syntheticCsv({ rows: 50 });
    const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
    const r = await readFacilityCsv(Readable.from(chunks.map((c) => Buffer.from(c))));
    expect(r.rows.length).toBe(50);
  });

  it('fails on whole-file problems with one clear sentence', async () => {
    await expect(read('')).rejects.toThrow(new CsvFormatError('the file is empty: expected a header line and data rows'));
    await expect(read(HEADER + '\n')).rejects.toThrow('the file has a header but no data rows');
    await expect(read('name,stars\nx,3\n')).rejects.toThrow(/missing the required columns facility_name, rating/);
    await expect(read(HEADER + '\n"A,unterminated\n')).rejects.toThrow(/quoted field is never closed/);
    await expect(read(HEADER + '\nA,"B"x,0.3,32.5,4,,,,GOVT,cash,K\n')).rejects.toThrow(CsvFormatError);
    await expect(read(HEADER + '\nA,ab"c,0.3,32.5,4,,,,GOVT,cash,K\n')).rejects.toThrow(/not valid CSV/);
    await expect(read(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x01]))).rejects.toThrow(/binary/);
    // however the upload is chunked: a NUL in the first 4 KiB, after a first chunk of 2 bytes
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x01]);
    await expect(readFacilityCsv(Readable.from([zip.subarray(0, 2), zip.subarray(2)]))).rejects.toThrow(/binary/);
    await expect(read([HEADER, 'A,,0.3,32.5,abc,,,,GOVT,cash,K'].join('\n'))).rejects.toThrow('no usable row: all 1 data rows were rejected (first: line 2, rating: expected a number from 1 to 5, got "abc")');
  });

  it('accepts a file without a rating column for prediction', async () => {
    const r = await read('facility_name,care_system\nX,GOVT\n', { requireRating: false });
    expect(r.rows[0]?.record.rating).toBeNull();
  });

  it('enforces maxRows', async () => {
    await expect(read(syntheticCsv({ rows: 20 }), { maxRows: 10 })).rejects.toBeInstanceOf(CsvLimitError);
  });
});

describe('forEachFacilityChunk', () => {
  it('hands over the rows readFacilityCsv reads, in chunks of at most chunkRows, duplicates not yet collapsed', async () => {
    const csv = syntheticCsv({ rows: 230, seed: 5, dirty: true });
    const chunks: Array<{ rows: number; rejected: number }> = [];
    const lines: number[] = [];
    const summary = await forEachFacilityChunk(Readable.from([csv]), { chunkRows: 50 }, (chunk) => {
      chunks.push({ rows: chunk.rows.length, rejected: chunk.rejected.length });
      lines.push(...chunk.rows.map((r) => r.line));
    });
    const whole = await readFacilityCsv(Readable.from([csv]));
    expect(chunks.every((c) => c.rows <= 50)).toBe(true);
    expect(chunks.length).toBeGreaterThan(3);
    expect(lines.length).toBe(whole.rows.length + whole.duplicatesCollapsed);
    expect(chunks.reduce((n, c) => n + c.rejected, 0)).toBe(whole.rejected.length);
    expect(summary.accepted).toBe(lines.length);
    expect(summary.header).toEqual(whole.header);
  });

  it('throws the whole-file error after the last chunk when every row is rejected', async () => {
    let chunks = 0;
    await expect(forEachFacilityChunk(Readable.from(['facility_name,rating\nA,3,x\nB,4,y\n']), { chunkRows: 1 }, () => {
      chunks++;
    })).rejects.toThrow(/no usable row: all 2 data rows were rejected/);
    expect(chunks).toBe(0);
  });
});
