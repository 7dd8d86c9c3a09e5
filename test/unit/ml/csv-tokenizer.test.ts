import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, CsvTokenizer } from '../../../src/ml/csv-tokenizer.js';
import { mulberry32 } from '../../../src/ml/random.js';
import { pieces } from '../../helpers/pieces.js';

/** Tokenizes the text fed in the given pieces (strings as UTF-8); returns every record and its start line. */
function tokenize(input: (string | Uint8Array)[]): { records: string[][]; lines: number[] } {
  const t = new CsvTokenizer();
  const records: string[][] = [];
  const lines: number[] = [];
  const take = () => {
    for (let r = 0; r < t.count; r++) {
      records.push(t.fields(r));
      lines.push(t.line(r));
    }
    t.clear();
  };
  for (const piece of input) {
    t.push(typeof piece === 'string' ? Buffer.from(piece) : piece);
    take();
  }
  t.end();
  take();
  return { records, lines };
}

describe('CsvTokenizer', () => {
  it('reads RFC 4180 quoting, empty fields, empty lines and a last line without a line end', () => {
    const { records, lines } = tokenize(['a,"b,c",""\n\n"x ""y""\nz",,\nlast,one']);
    expect(records).toEqual([['a', 'b,c', ''], ['x "y"\nz', '', ''], ['last', 'one']]);
    expect(lines).toEqual([1, 3, 5]);
  });

  it('counts physical lines: CRLF, LF and CR inside quoted fields each count once', () => {
    const { records, lines } = tokenize(['h\r\n"a\r\nb"\r\n"c\nd"\r\ne\r\n']);
    expect(records).toEqual([['h'], ['a\r\nb'], ['c\nd'], ['e']]);
    expect(lines).toEqual([1, 2, 4, 6]);
  });

  it('counts the line breaks of every quoted field of a record, however the bytes are cut', () => {
    const text = 'h1,h2,h3\r\n"a","b\r\nc","d\ne"\r\n"f\rg",h,"i"\r\nlast,"x\r\n\r\ny",z\r\nend,,\r\n';
    const whole = tokenize([text]);
    expect(whole.records).toEqual([['h1', 'h2', 'h3'], ['a', 'b\r\nc', 'd\ne'], ['f\rg', 'h', 'i'], ['last', 'x\r\n\r\ny', 'z'], ['end', '', '']]);
    expect(whole.lines).toEqual([1, 2, 5, 7, 10]);
    const random = mulberry32(7);
    for (let round = 0; round < 50; round++) expect(tokenize(pieces(text, random, 1 + (round % 9)))).toEqual(whole);
  });

  it('takes the first line end outside quotes as the file’s: CR-only files work, a stray CR stays in its field', () => {
    expect(tokenize(['a,b\rc,d\r']).records).toEqual([['a', 'b'], ['c', 'd']]);
    expect(tokenize(['a,b\nc,d\r\ne\n']).records).toEqual([['a', 'b'], ['c', 'd\r'], ['e']]);
    expect(tokenize(['a\r', '\nb\r\n']).records).toEqual([['a'], ['b']]);
  });

  it('refuses a quote inside an unquoted field, text after a closing quote, and an unclosed quote', () => {
    expect(() => tokenize(['a,b"c\n'])).toThrow(/Invalid Opening Quote: a quote is found on field 1 at line 1/);
    expect(() => tokenize(['h\na,"b"x\n'])).toThrow(/Invalid Closing Quote: got "x" at line 2/);
    try {
      tokenize(['h\n"a,\nb\n']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CsvSyntaxError);
      expect((error as CsvSyntaxError).message).toBe('a quoted field is never closed (it starts on line 2)');
      expect((error as CsvSyntaxError).unclosedQuote).toBe(true);
    }
  });

  it('gives the same records as csv-parse for random CSV cut at random places', () => {
    const random = mulberry32(13);
    const plain = ['a', 'b', 'Z', ' ', ',', '"', 'é', '–', '\u202f', '0', '.'];
    const withBreaks = [...plain, '\n', '\r\n', '\r'];
    for (let round = 0; round < 40; round++) {
      // Line breaks inside fields only where every field is quoted: csv-stringify leaves a bare LF unquoted in a CRLF file.
      const quoted = round % 4 < 2;
      const alphabet = quoted ? withBreaks : plain;
      const rows = Array.from({ length: 1 + Math.floor(random() * 30) }, () =>
        Array.from({ length: 1 + Math.floor(random() * 6) }, () => Array.from({ length: Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')));
      const text = stringify(rows, { record_delimiter: round % 2 ? 'windows' : 'unix', quoted });
      const expected = parse(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
      expect(tokenize(pieces(text, random, 1 + round * 3)).records).toEqual(expected);
    }
  });

  it('reads a quoted field far longer than the pieces it arrives in', () => {
    const long = 'x'.repeat(200_000);
    const text = `a,"${long}"\nb,c\n`;
    const { records } = tokenize(pieces(text, mulberry32(1), 1000));
    expect(records).toEqual([['a', long], ['b', 'c']]);
  });
});
