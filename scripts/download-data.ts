/**
 * Fetches the dataset file from Hugging Face: npm run data:download -- --out <csv> [--url <url>].
 * The URL can also come from TRELLIS_DATASET_URL (tests point it at a local server).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const DATASET_FILE = 'Full collected hospital data 6K+ - All healthcare facilities.csv';
export const DEFAULT_DATASET_URL = `https://huggingface.co/datasets/Pollicy/Uganda_HealthCare_Facilities/resolve/main/${encodeURIComponent(DATASET_FILE)}`;

/** Downloads `url` to `out` (via a temporary file, so a failed download leaves nothing behind). Returns bytes written. */
export async function downloadDataset(url: string, out: string, fetchImpl: typeof fetch = fetch): Promise<number> {
  const response = await fetchImpl(url, { redirect: 'follow' });
  if (!response.ok || !response.body) throw new Error(`download failed: ${url} answered HTTP ${response.status} ${response.statusText}`);
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  const tmp = `${out}.part-${process.pid}`;
  let bytes = 0;
  try {
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    await pipeline(body, createWriteStream(tmp));
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return bytes;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, url: { type: 'string' } }, strict: true });
  if (!values.out) throw new Error('usage: npm run data:download -- --out <csv> [--url <url>]');
  const url = values.url ?? (env.TRELLIS_DATASET_URL || DEFAULT_DATASET_URL);
  const bytes = await downloadDataset(url, values.out);
  console.log(`downloaded ${bytes} bytes from ${url} to ${values.out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
