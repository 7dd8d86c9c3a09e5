import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadBundleFromDir } from '../../../src/ml/bundle.js';
import { FacilityClassifier } from '../../../src/ml/classifier.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { CsvBytes, csvField } from '../../../src/ml/csv-writer.js';
import { mulberry32 } from '../../../src/ml/random.js';
import { formatProbability, scoreCsv } from '../../../src/ml/score-csv.js';
import { pieces } from '../../helpers/pieces.js';

describe('CsvBytes.field', () => {
  it('writes the bytes of csvField, quoting, doubled quotes, apostrophes and non-ASCII included', () => {
    const fields = [
      'Kasubi HC III', '', 'OPD, Laboratory', 'a "b", c', '"quoted"', 'ends with,', ',', '"', 'line\nbreak', 'cr\rlf', 'x,y\r\nz',
      '=HYPERLINK("x")', '-0.35', '+256', '@home', 'Café, bar', '8:00\u202fAM – 5:00 PM', 'Monday: Open 24 hours,Tuesday: Closed', 'long '.repeat(100),
    ];
    const out = new CsvBytes(8);
    fields.forEach((f, i) => out.field(f, i === 0));
    expect(out.take().toString('utf8')).toBe(fields.map(csvField).join(','));
  });
});

describe('CsvBytes.fixed6', () => {
  it('writes exactly formatProbability (toFixed(6)) for float32 probabilities, ties and ends included', () => {
    const values = [0, 1, 0.5, 1 / 128, 0.0000005, 0.9999995, 0.1234565, 1e-7, 0.999999, 0.0078125, 3 / 1024];
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      values.push(seed / 2 ** 32);
    }
    // the rounding boundaries themselves: k / 10^6 ± ½ 10^-6, as float32
    for (let k = 0; k < 1000; k++) values.push((k * 997 + 0.5) / 1e6);
    const out = new CsvBytes(16);
    let expected = '';
    for (const v of values) {
      const p = Math.fround(v);
      out.fixed6(p);
      expected += `,${formatProbability(p)}`;
    }
    out.fixed6(Number.NaN);
    out.fixed6(1.5);
    expected += ',NaN,1.500000';
    expect(out.take().toString('latin1')).toBe(expected);
  });
});

describe('scoreCsv, rows met earlier in the file', () => {
  const header = 'facility_name,services,latitude,longitude,rating,operating_hours,website,phone_number,care_system,subcounty\n';
  const a = 'Kasubi HC III,"OPD, Laboratory",0.327,32.55,4.1,Monday: Open 24 hours,,0706 399074,GOVT,Rubaga Division\n';
  const aOtherRating = 'Kasubi HC III,"OPD, Laboratory",0.327,32.55,,Monday: Open 24 hours,,0772 000000,GOVT,Rubaga Division\n';
  const b = 'Mengo Clinic,General Care,0.30,32.56,,,,,PFP,Rubaga Division\n';
  const bad = 'Mengo Clinic,General Care,north,32.56,,,,,PFP,Rubaga Division\n';
  const score = async (classifier: FacilityClassifier, rows: string[], chunkRows?: number) => {
    const parts: Buffer[] = [];
    const result = await scoreCsv(classifier, Readable.from([header + rows.join('')]), { chunkRows, keepResults: true, write: (bytes) => void parts.push(bytes) });
    return { result, lines: Buffer.concat(parts).toString().split('\n').slice(1, -1) };
  };

  it('gives each row what it gets alone, byte for byte, whether in the same chunk or a later one', async () => {
    const classifier = FacilityClassifier.fromBundle(await loadBundleFromDir(path.join(REPO_ROOT, 'models/facility-rating')));
    const rows = [a, b, a, bad, aOtherRating, b, a];
    const alone = await Promise.all(rows.map(async (row) => (await score(classifier, [row])).lines[0]));
    for (const chunkRows of [1, 2, 256]) {
      const { result, lines } = await score(classifier, rows, chunkRows);
      // the same, but for the bad row's line number in its error
      expect(lines.filter((_, i) => i !== 3)).toEqual(alone.filter((_, i) => i !== 3));
      expect(result.scored).toBe(6);
      expect(result.rowErrors.get(3)).toMatch(/^line 5, latitude: /);
      expect(Array.from(result.probabilities.subarray(4 * 3, 5 * 3))).toEqual(Array.from(result.probabilities.subarray(0, 3)));
    }
  });

  it('reads a repeated row from its bytes however the file is cut and whatever its line ends; a repeated bad row names its own line', async () => {
    const classifier = FacilityClassifier.fromBundle(await loadBundleFromDir(path.join(REPO_ROOT, 'models/facility-rating')));
    const rows = [a, bad, b, a, bad, `"Kasubi HC III","OPD, Laboratory",0.327,32.55,4.1,Monday: Open 24 hours,,0706 399074,GOVT,Rubaga Division\n`, a];
    const alone = await Promise.all(rows.map(async (row) => (await score(classifier, [row])).lines[0]));
    for (const ending of ['\n', '\r\n']) {
      const text = Buffer.from((header + rows.join('')).replaceAll('\n', ending));
      const expectedLines = alone.map((line, i) => (i === 1 || i === 4 ? line?.replace('line 2', `line ${i + 2}`) : line));
      const random = mulberry32(3);
      for (const pieceBytes of [1, 7, 64, text.length]) {
        const parts: Buffer[] = [];
        const result = await scoreCsv(classifier, Readable.from(pieces(text, random, pieceBytes)), { chunkRows: 2, keepResults: true, write: (bytes) => void parts.push(Buffer.from(bytes)) });
        expect(Buffer.concat(parts).toString().split('\n').slice(1, -1)).toEqual(expectedLines);
        expect([...result.rowErrors.keys()]).toEqual([1, 4]);
        expect(result.rowErrors.get(4)).toMatch(/^line 6, latitude: /);
      }
    }
  });
});
