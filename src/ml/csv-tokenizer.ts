/**
 * A streaming RFC 4180 tokenizer over bytes: UTF-8 in, records out as byte ranges (each field's
 * start and end in the buffer it was read from, and whether it was quoted), with the physical line
 * each record starts on. A field becomes a string only when it is asked for (`field`), so a reader
 * that needs a record's bytes only (the scorer's known rows, src/ml/score-csv.ts) makes none.
 *
 * It follows csv-parse's reading with the options Trellis used (`bom`, `skip_empty_lines`,
 * `relax_column_count`, strict quotes): a field is quoted only when its first character is `"`,
 * `""` inside quotes is one quote, a closing quote must be followed by a comma, the end of the
 * line or the end of the file, a quote inside an unquoted field is an error, and the line ending
 * (`\r\n`, `\n` or `\r`) is the first one found outside quotes. Empty lines give no record. Bytes
 * that are not UTF-8 read as U+FFFD, as a UTF-8 decoder of the whole file would read them.
 *
 * Why not csv-parse: it costs ≈ 18–22 µs a row on the 2-core machine (50,000 rows of the real
 * file in 0.9–1.1 s), twice the budget of a 100,000 rows/s batch scorer. Why bytes and not text:
 * decoding the file and cutting the text into field strings cost ≈ 3 µs a row (0.85 µs of it
 * the decoding), scanning the bytes ≈ 0.2 µs, and decoding only the fields wanted ≈ 1 µs for all
 * eleven. docs/performance.md has the figures.
 */

import { grown } from './typed-arrays.js';

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
/** the record delimiter, once the first line break outside quotes has shown it */
const UNKNOWN = 0;
const CRLF = 1;
const ONLY_LF = 2;
const ONLY_CR = 3;

/** A field's kind: as it is, quoted, or quoted with doubled quotes inside (`""`) to undo. */
const PLAIN = 0;
const QUOTED = 1;
const QUOTED_ESCAPES = 2;

const EMPTY = Buffer.alloc(0);

/** Line breaks (`\r\n`, `\n`, lone `\r`) in b[from, to). */
function lineBreaks(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c === LF || (c === CR && b[i + 1] !== LF)) n++;
  }
  return n;
}

/** The parts as one Buffer: the only one as it is (no copy), several copied end to end. */
function joined(parts: readonly Uint8Array[]): Buffer {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) {
    const only = parts[0] as Uint8Array;
    return Buffer.isBuffer(only) ? only : Buffer.from(only.buffer, only.byteOffset, only.byteLength);
  }
  return Buffer.concat(parts);
}

/**
 * Feed bytes with `push` (any split, even inside a field, a UTF-8 character or a `\r\n`), then
 * call `end`. After each call the batch holds the complete records found so far — `count` of
 * them, read with `field`, `fields`, `fieldCount`, `line`, `recordStart`/`recordEnd` and `bytes`
 * — and the caller takes them and calls `clear()` before pushing more.
 */
export class CsvTokenizer {
  /** bytes not yet consumed (a record not yet complete), as pushed: joined only when parsed */
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  /** physical line of the first pending byte */
  private currentLine = 1;
  private delimiter = UNKNOWN;
  private atStart = true;
  /**
   * Length the pending bytes must reach before the next attempt: an unfinished record is parsed
   * again from its start, so a huge quoted field arriving in many chunks waits until the bytes
   * have doubled (linear in total, not quadratic).
   */
  private retryAt = 0;

  /** Records in the batch. */
  count = 0;
  /** the buffer each record's offsets point into */
  private buffers: Buffer[] = [];
  private starts = new Int32Array(256);
  private ends = new Int32Array(256);
  private lines = new Int32Array(256);
  /** record r's fields are [firstField[r], firstField[r + 1]) */
  private firstField = new Int32Array(257);
  private fieldStarts = new Int32Array(4096);
  private fieldEnds = new Int32Array(4096);
  private fieldKinds = new Uint8Array(4096);
  private fieldTotal = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (this.pendingLength >= this.retryAt) this.run(false);
  }

  end(): void {
    this.run(true);
    this.pending = [];
    this.pendingLength = 0;
  }

  clear(): void {
    this.buffers.fill(EMPTY, 0, this.count);
    this.count = 0;
    this.fieldTotal = 0;
    this.firstField[0] = 0;
  }

  /** Physical line (1-based) record r starts on. */
  line(r: number): number {
    return this.lines[r] as number;
  }

  /** The bytes record r was read from: its offsets (`recordStart`, `recordEnd`) point into them. */
  bytes(r: number): Buffer {
    return this.buffers[r] as Buffer;
  }

  /** Byte offset in `bytes(r)` of record r's first character. */
  recordStart(r: number): number {
    return this.starts[r] as number;
  }

  /** Byte offset in `bytes(r)` just after record r's last field (before its line end). */
  recordEnd(r: number): number {
    return this.ends[r] as number;
  }

  fieldCount(r: number): number {
    return (this.firstField[r + 1] as number) - (this.firstField[r] as number);
  }

  /** Field f of record r as text (quotes removed, `""` read as `"`). */
  field(r: number, f: number): string {
    const i = (this.firstField[r] as number) + f;
    const text = (this.buffers[r] as Buffer).toString('utf8', this.fieldStarts[i], this.fieldEnds[i]);
    return this.fieldKinds[i] === QUOTED_ESCAPES ? text.replaceAll('""', '"') : text;
  }

  /** Every field of record r as text. */
  fields(r: number): string[] {
    const n = this.fieldCount(r);
    const out = new Array<string>(n);
    for (let f = 0; f < n; f++) out[f] = this.field(r, f);
    return out;
  }

  private run(end: boolean): void {
    if (this.pendingLength === 0) return;
    if (this.count > 0) throw new Error('CsvTokenizer: take the batch (clear) before pushing more');
    let parts = this.pending;
    let from = 0;
    if (this.atStart) {
      // a UTF-8 byte order mark is not part of the first field
      const b = joined(parts);
      if (b.length < 3 && !end && b[0] === 0xef && (b.length < 2 || b[1] === 0xbb)) return;
      this.atStart = false;
      if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) from = 3;
      parts = [b];
    } else if (parts.length === 2 && (this.delimiter === ONLY_LF || this.delimiter === CRLF)) {
      // The record the last chunk cut is completed with this chunk's first line alone, so that
      // the chunk is read where it is rather than copied behind it. Records end at an LF here, and
      // none ended in the cut part, so the first line either completes it or adds nothing.
      const [rest, chunk] = parts as [Uint8Array, Uint8Array];
      const lf = chunk.indexOf(LF);
      if (lf >= 0) {
        const head = joined([rest, chunk.subarray(0, lf + 1)]);
        if (this.parse(head, 0, false) === head.length) parts = lf + 1 < chunk.length ? [chunk.subarray(lf + 1)] : [];
      }
    }
    const b = joined(parts);
    const consumed = b.length > 0 ? this.parse(b, from, end) : 0;
    const rest = b.subarray(consumed);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingLength = rest.length;
    this.retryAt = 2 * rest.length;
  }

  private addField(start: number, end: number, kind: number): void {
    const i = this.fieldTotal++;
    if (i === this.fieldStarts.length) {
      this.fieldStarts = grown(this.fieldStarts, i + 1);
      this.fieldEnds = grown(this.fieldEnds, i + 1);
      this.fieldKinds = grown(this.fieldKinds, i + 1);
    }
    this.fieldStarts[i] = start;
    this.fieldEnds[i] = end;
    this.fieldKinds[i] = kind;
  }

  private addRecord(b: Buffer, start: number, end: number, line: number): void {
    const r = this.count++;
    if (r === this.starts.length) {
      this.starts = grown(this.starts, r + 1);
      this.ends = grown(this.ends, r + 1);
      this.lines = grown(this.lines, r + 1);
      this.firstField = grown(this.firstField, this.starts.length + 1);
    }
    this.buffers[r] = b;
    this.starts[r] = start;
    this.ends[r] = end;
    this.lines[r] = line;
    this.firstField[r + 1] = this.fieldTotal;
  }

  /** Tokenizes what it can of b[from..]; returns how many bytes of `b` it consumed (whole records only). */
  private parse(b: Buffer, from: number, end: boolean): number {
    const len = b.length;
    let start = from; // start of the current record
    let line = this.currentLine;
    // A record not complete in `b` is dropped (its fields too) and read again with more bytes.
    const incomplete = (fieldsBefore: number) => {
      this.fieldTotal = fieldsBefore;
      this.currentLine = line;
      return start;
    };
    let nextLf = -1; // position of the next LF at or after the quoted field being read (-1: not searched yet)
    let nextCr = -1;
    while (start < len) {
      const fieldsBefore = this.fieldTotal;
      let pos = start;
      let breaks = 0; // line breaks inside the record's fields
      let recordEnd = -1; // position after the record's delimiter
      let contentEnd = -1; // position after the record's last field
      for (;;) {
        if (b[pos] === QUOTE) {
          // quoted field: up to a quote that is not doubled, counting the line breaks inside
          let q = pos + 1;
          let kind = QUOTED;
          let inside = 0; // line breaks inside the field
          for (;;) {
            // memchr for the quote, and for the next LF and CR (kept until passed: one search each per record)
            const close = b.indexOf(QUOTE, q);
            const stop = close < 0 ? len : close;
            if (nextLf < q) nextLf = b.indexOf(LF, q) >>> 0; // none: 2^32 - 1, after any position
            if (nextCr < q) nextCr = b.indexOf(CR, q) >>> 0;
            if (nextLf < stop || nextCr < stop) inside += lineBreaks(b, Math.min(nextLf, nextCr), stop);
            q = stop;
            if (q === len || (q + 1 === len && !end)) {
              if (!end) return incomplete(fieldsBefore);
              throw new CsvSyntaxError(`a quoted field is never closed (it starts on line ${line + breaks})`, line + breaks, true);
            }
            if (b[q + 1] === QUOTE) {
              kind = QUOTED_ESCAPES;
              q += 2;
              continue;
            }
            break;
          }
          this.addField(pos + 1, q, kind);
          breaks += inside;
          pos = q + 1;
          if (pos === len) {
            if (!end) return incomplete(fieldsBefore);
            recordEnd = contentEnd = len;
            break;
          }
          const c = b[pos] as number;
          if (c === COMMA) {
            pos++;
            continue;
          }
          const after = this.delimiterAt(b, pos, end);
          if (after === -2) return incomplete(fieldsBefore);
          if (after >= 0) {
            recordEnd = after;
            contentEnd = pos;
            break;
          }
          // the character after the quote, whole: wait for the rest of a UTF-8 sequence cut by the chunk
          if (c >= 0x80 && pos + 4 > len && !end) return incomplete(fieldsBefore);
          // csv-parse's words, which the API has always answered with
          throw new CsvSyntaxError(
            `the file is not valid CSV: Invalid Closing Quote: got "${b.toString('utf8', pos, Math.min(pos + 4, len))[0] ?? ''}" at line ${line + breaks} instead of delimiter, record delimiter, trimable character (if activated) or comment`,
            line + breaks,
          );
        }
        // unquoted field: up to a comma, the record delimiter, or (an error) a quote
        let i = pos;
        for (;;) {
          let c = 0;
          while (i < len) {
            c = b[i] as number;
            if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
            i++;
          }
          if (i === len) {
            if (!end) return incomplete(fieldsBefore);
            this.addField(pos, i, PLAIN);
            recordEnd = contentEnd = len;
            break;
          }
          if (c === COMMA) {
            this.addField(pos, i, PLAIN);
            pos = i + 1;
            break;
          }
          if (c === QUOTE) {
            const at = line + breaks;
            throw new CsvSyntaxError(
              `the file is not valid CSV: Invalid Opening Quote: a quote is found on field ${this.fieldTotal - fieldsBefore} at line ${at}, value is ${JSON.stringify(b.toString('utf8', pos, i))}`,
              at,
            );
          }
          const after = this.delimiterAt(b, i, end);
          if (after === -2) return incomplete(fieldsBefore);
          if (after >= 0) {
            // an empty line (no field, nothing in it) gives no record
            if (!(this.fieldTotal === fieldsBefore && i === pos)) this.addField(pos, i, PLAIN);
            recordEnd = after;
            contentEnd = i;
            break;
          }
          // a line break that is not the file's delimiter belongs to the field
          if (c === LF || b[i + 1] !== LF) breaks++;
          i++;
        }
        if (recordEnd >= 0) break;
      }
      if (this.fieldTotal > fieldsBefore) this.addRecord(b, start, contentEnd, line);
      line += breaks + 1;
      start = recordEnd;
    }
    this.currentLine = line;
    return start;
  }

  /**
   * At a CR or LF at `i`: the position after the record delimiter when it is one, -1 when the
   * character is not the delimiter (then it is part of the field), -2 when more bytes are needed.
   * The first line break outside quotes decides the delimiter for the whole file.
   */
  private delimiterAt(b: Buffer, i: number, end: boolean): number {
    const c = b[i];
    if (c !== LF && c !== CR) return -1;
    if (this.delimiter === UNKNOWN) {
      if (c === LF) this.delimiter = ONLY_LF;
      else if (i + 1 < b.length) this.delimiter = b[i + 1] === LF ? CRLF : ONLY_CR;
      else if (end) this.delimiter = ONLY_CR;
      else return -2;
    }
    if (this.delimiter === CRLF) {
      if (c !== CR) return -1;
      if (i + 1 === b.length) return end ? -1 : -2;
      return b[i + 1] === LF ? i + 2 : -1;
    }
    return c === (this.delimiter === ONLY_LF ? LF : CR) ? i + 1 : -1;
  }
}
