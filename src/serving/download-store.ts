/**
 * Scored CSV files kept for download: files under DATA_DIR/predictions, written while a batch is
 * scored (never held whole in memory), named by a random id, deleted after `ttlMs` and beyond
 * `maxFiles` (oldest first). Files outlive a restart until they expire.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';

export interface DownloadStoreOptions {
  dir: string;
  ttlMs: number;
  maxFiles: number;
  logger?: Logger;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface PendingDownload {
  id: string;
  stream: WriteStream;
  /** Writes `text`, waiting when the file stream asks for backpressure. */
  write(text: string): Promise<void>;
  /** Closes the file and makes it downloadable. */
  commit(): Promise<void>;
  /** Closes and deletes the partial file. */
  abort(): Promise<void>;
}

export class DownloadStore {
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly options: DownloadStoreOptions) {}

  get dir(): string {
    return this.options.dir;
  }

  /** Starts the periodic sweep of expired files (timer unref'd: never keeps the process alive). */
  start(): void {
    if (this.sweeper) return;
    const every = Math.max(1_000, Math.min(this.options.ttlMs, 60_000));
    this.sweeper = setInterval(() => void this.sweep(), every);
    this.sweeper.unref();
    void this.sweep();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  async create(): Promise<PendingDownload> {
    await mkdir(this.options.dir, { recursive: true });
    const id = randomUUID();
    const final = this.fileFor(id);
    const partial = `${final}.part`;
    const stream = createWriteStream(partial, { encoding: 'utf8' });
    let failure: Error | null = null;
    stream.on('error', (err) => {
      failure = err;
    });
    const closed = () => new Promise<void>((resolve) => (stream.closed ? resolve() : stream.end(() => resolve())));
    return {
      id,
      stream,
      write: (text) => {
        if (failure) return Promise.reject(failure);
        if (stream.write(text)) return Promise.resolve();
        return new Promise<void>((resolve, reject) => {
          const onDrain = () => { stream.off('error', onError); resolve(); };
          const onError = (err: Error) => { stream.off('drain', onDrain); reject(err); };
          stream.once('drain', onDrain);
          stream.once('error', onError);
        });
      },
      commit: async () => {
        await closed();
        if (failure) throw failure;
        await rename(partial, final);
        void this.sweep();
      },
      abort: async () => {
        // The file is opened asynchronously: wait until the destroyed stream has closed its file
        // (created it, if the open was still pending) before removing it, or it appears after the rm.
        await new Promise<void>((resolve) => {
          if (stream.closed) return resolve();
          stream.once('close', () => resolve());
          stream.destroy();
        });
        await rm(partial, { force: true });
      },
    };
  }

  /** Path of a downloadable file, or null when the id is malformed, unknown or expired. */
  async find(id: string): Promise<string | null> {
    if (!ID.test(id)) return null;
    const file = this.fileFor(id);
    try {
      const info = await stat(file);
      return Date.now() - info.mtimeMs <= this.options.ttlMs ? file : null;
    } catch {
      return null;
    }
  }

  /** Deletes expired files, then the oldest beyond maxFiles. Stale partial files count as expired. */
  async sweep(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch {
      return;
    }
    const now = Date.now();
    const kept: { file: string; mtimeMs: number }[] = [];
    for (const name of names) {
      if (!name.endsWith('.csv') && !name.endsWith('.csv.part')) continue;
      const file = path.join(this.options.dir, name);
      try {
        const { mtimeMs } = await stat(file);
        if (now - mtimeMs > this.options.ttlMs) await rm(file, { force: true });
        else if (name.endsWith('.csv')) kept.push({ file, mtimeMs });
      } catch (err) {
        this.options.logger?.debug({ err, file }, 'download sweep skipped a file');
      }
    }
    kept.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const old of kept.slice(this.options.maxFiles)) await rm(old.file, { force: true });
  }

  private fileFor(id: string): string {
    return path.join(this.options.dir, `${id}.csv`);
  }
}
