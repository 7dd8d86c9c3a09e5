/**
 * A streaming RFC 4180 tokenizer: text in, records (arrays of field strings) out, with the
 * physical line each record starts on.
 *
 * It follows csv-parse's reading with the options Trellis used (`bom`, `skip_empty_lines`,
 * `relax_column_count`, strict quotes): a field is quoted only when its first character is `"`,
 * `""` inside quotes is one quote, a closing quote must be followed by a comma, the end of the
 * line or the end of the file, a quote inside an unquoted field is an error, and the line ending
 * (`\r\n`, `\n` or `\r`) is the first one found outside quotes. Empty lines give no record.
 *
 * Why not csv-parse: it costs ≈ 18–22 µs a row on the 2-core machine (50,000 rows of the real
 * file in 0.9–1.1 s, more with `info`/`raw` for line numbers), which alone is twice the budget of
 * a 100,000 rows/s batch scorer. This one scans unquoted fields with a char-code loop and quoted
 * ones with indexOf, allocates only the field strings and one array per record, and hands records
 * over in batches (one call per input chunk, not one promise per row). docs/performance.md has
 * the figures.
 */

/** A problem with the file's CSV syntax; `line` is the physical line where it is. */
export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(message: string, readonly line: number, readonly unclosedQuote = false) {
    super(message);
  }
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Line breaks (`\r\n`, `\n`, lone `\r`) in s[from, to). */
function lineBreaks(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === LF) n++;
    else if (c === CR && s.charCodeAt(i + 1) !== LF) n++;
  }
  return n;
}

/**
 * Feed text with `push` (any split, even inside a field or a `\r\n`), then call `end`. After
 * each call, `records` holds the complete records found so far and `lines[i]` the physical line
 * `records[i]` starts on (the first line is 1); the caller takes them and calls `clear()`.
 */
export class CsvTokenizer {
  private text = '';
  /** physical line of text[0] */
  private line = 1;
  /** the record delimiter, once the first line break outside quotes has shown it */
  private delimiter: '\r\n' | '\n' | '\r' | null = null;
  /**
   * Length `text` must reach before the next attempt: an unfinished record is parsed again from
   * its start, so a huge quoted field arriving in many chunks waits until the text has doubled
   * (linear in total, not quadratic).
   */
  private retryAt = 0;
  readonly records: string[][] = [];
  readonly lines: number[] = [];

  push(text: string): void {
    this.text = this.text.length === 0 ? text : this.text + text;
    if (this.text.length >= this.retryAt) this.run(false);
  }

  end(): void {
    this.run(true);
    this.text = '';
  }

  clear(): void {
    this.records.length = 0;
    this.lines.length = 0;
  }

  private run(end: boolean): void {
    const consumed = this.parse(end);
    if (consumed > 0) this.text = this.text.slice(consumed);
    this.retryAt = 2 * this.text.length;
  }

  /** Tokenizes what it can; returns how many characters of `text` it consumed (whole records only). */
  private parse(end: boolean): number {
    const s = this.text;
    const len = s.length;
    let start = 0; // start of the current record
    let line = this.line;
    while (start < len) {
      const fields: string[] = [];
      let pos = start;
      let breaks = 0; // line breaks inside the record's fields
      let recordEnd = -1; // position after the record's delimiter
      for (;;) {
        if (s.charCodeAt(pos) === QUOTE) {
          // quoted field
          let value = '';
          let from = pos + 1;
          let q: number;
          for (;;) {
            q = s.indexOf('"', from);
            if (q < 0 || (q + 1 === len && !end)) {
              if (!end) return this.commit(start, line);
              throw new CsvSyntaxError(`a quoted field is never closed (it starts on line ${line + breaks})`, line + breaks, true);
            }
            if (s.charCodeAt(q + 1) === QUOTE) {
              value += s.slice(from, q + 1);
              from = q + 2;
              continue;
            }
            break;
          }
          value += s.slice(from, q);
          breaks += lineBreaks(s, pos + 1, q);
          pos = q + 1;
          fields.push(value);
          if (pos === len) {
            if (!end) return this.commit(start, line);
            recordEnd = len;
            break;
          }
          const c = s.charCodeAt(pos);
          if (c === COMMA) {
            pos++;
            continue;
          }
          const after = this.delimiterAt(s, pos, end);
          if (after === -2) return this.commit(start, line);
          if (after >= 0) {
            recordEnd = after;
            break;
          }
          // csv-parse's words, which the API has always answered with
          throw new CsvSyntaxError(
            `the file is not valid CSV: Invalid Closing Quote: got "${s[pos] ?? ''}" at line ${line + breaks} instead of delimiter, record delimiter, trimable character (if activated) or comment`,
            line + breaks,
          );
        }
        // unquoted field: up to a comma, the record delimiter, or (an error) a quote
        let i = pos;
        for (;;) {
          while (i < len) {
            const c = s.charCodeAt(i);
            if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
            i++;
          }
          if (i === len) {
            if (!end) return this.commit(start, line);
            fields.push(s.slice(pos, i));
            recordEnd = len;
            break;
          }
          const c = s.charCodeAt(i);
          if (c === COMMA) {
            fields.push(s.slice(pos, i));
            pos = i + 1;
            break;
          }
          if (c === QUOTE) {
            const at = line + breaks;
            throw new CsvSyntaxError(
              `the file is not valid CSV: Invalid Opening Quote: a quote is found on field ${fields.length} at line ${at}, value is ${JSON.stringify(s.slice(pos, i))}`,
              at,
            );
          }
          const after = this.delimiterAt(s, i, end);
          if (after === -2) return this.commit(start, line);
          if (after >= 0) {
            // an empty line (no field, nothing in it) gives no record
            if (!(fields.length === 0 && i === pos)) fields.push(s.slice(pos, i));
            recordEnd = after;
            break;
          }
          // a line break that is not the file's delimiter belongs to the field
          if (c === LF || s.charCodeAt(i + 1) !== LF) breaks++;
          i++;
        }
        if (recordEnd >= 0) break;
      }
      if (fields.length > 0) {
        this.records.push(fields);
        this.lines.push(line);
      }
      line += breaks + 1;
      start = recordEnd;
    }
    return this.commit(start, line);
  }

  private commit(consumed: number, line: number): number {
    this.line = line;
    return consumed;
  }

  /**
   * At a CR or LF at `i`: the position after the record delimiter when it is one, -1 when the
   * character is not the delimiter (then it is part of the field), -2 when more text is needed.
   * The first line break outside quotes decides the delimiter for the whole file.
   */
  private delimiterAt(s: string, i: number, end: boolean): number {
    const c = s.charCodeAt(i);
    if (c !== LF && c !== CR) return -1;
    if (this.delimiter === null) {
      if (c === LF) this.delimiter = '\n';
      else if (i + 1 < s.length) this.delimiter = s.charCodeAt(i + 1) === LF ? '\r\n' : '\r';
      else if (end) this.delimiter = '\r';
      else return -2;
    }
    const d = this.delimiter;
    if (d === '\r\n') {
      if (c !== CR) return -1;
      if (i + 1 === s.length) return end ? -1 : -2;
      return s.charCodeAt(i + 1) === LF ? i + 2 : -1;
    }
    return c === d.charCodeAt(0) ? i + 1 : -1;
  }
}
