/**
 * Model bundle: one self-contained directory (or one packed blob for the database).
 * Files: model.json (tfjs topology + weightsManifest), weights.bin, features.json, metadata.json.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FeatureState } from './features.js';
import type { Hyperparameters } from './hyperparameters.js';
import type { EvaluationMetrics } from './metrics.js';
import type { RatingClass } from './types.js';
import type { DriftProfile } from './drift.js';

export const BUNDLE_FORMAT_VERSION = 1;
export const BUNDLE_FILES = ['model.json', 'weights.bin', 'features.json', 'metadata.json'] as const;
/** sha256 of each bundle file on disk, in `sha256sum` format (`sha256sum -c checksums.sha256` checks it too). */
export const CHECKSUM_FILE = 'checksums.sha256';

export interface BundleMetadata {
  formatVersion: number;
  labels: RatingClass[];
  hyperparameters: Hyperparameters;
  metrics: EvaluationMetrics;
  backend: string;
  /** sha256 of the labeled records trained on (order included) */
  dataFingerprint: string;
  createdAt: string;
  trainedOnRows: number;
  tfjsVersion: string;
  /** histograms of the training split's features: what uploads are compared with for drift (absent in older bundles) */
  dataProfile?: DriftProfile;
  /** how the model was trained beyond the hyperparameters (absent in older bundles) */
  training?: {
    splitGroups: 'duplicate' | 'location';
    classWeights: number[];
    /** validation-tuned logit offsets already folded into the output bias */
    classOffsets: number[];
    earlyStoppingMetric: 'macroF1' | 'weightedLoss';
    bestEpoch: number;
    epochsRun: number;
    validationMacroF1: number;
  };
}
export interface ModelBundle {
  files: Record<string, Uint8Array>;
  metadata: BundleMetadata;
}

export class BundleFormatError extends Error {
  override name = 'BundleFormatError';
}

/** A bundle's bytes are not the ones its checksums were taken of (truncated, corrupted, edited). */
export class BundleIntegrityError extends BundleFormatError {
  override name = 'BundleIntegrityError';
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function checksumLines(files: Record<string, Uint8Array>): string {
  return Object.keys(files).sort().map((name) => `${sha256(files[name] ?? new Uint8Array())}  ${name}\n`).join('');
}

const MAGIC = Buffer.from('TRELLISB', 'ascii');
const utf8 = new TextDecoder();

export function jsonFile(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value, null, 1) + '\n');
}

export function readJsonFile<T>(bundle: ModelBundle, name: string): T {
  const bytes = bundle.files[name];
  if (!bytes) throw new BundleFormatError(`the bundle has no ${name}`);
  try {
    return JSON.parse(utf8.decode(bytes)) as T;
  } catch (err) {
    throw new BundleFormatError(`${name} in the bundle is not valid JSON`, { cause: err });
  }
}

function checkBundle(files: Record<string, Uint8Array>): ModelBundle {
  for (const name of BUNDLE_FILES) if (!files[name]) throw new BundleFormatError(`the bundle has no ${name}`);
  const partial: ModelBundle = { files, metadata: undefined as unknown as BundleMetadata };
  const metadata = readJsonFile<BundleMetadata>(partial, 'metadata.json');
  if (metadata.formatVersion !== BUNDLE_FORMAT_VERSION) {
    throw new BundleFormatError(`bundle format version ${String(metadata.formatVersion)} is not supported (expected ${BUNDLE_FORMAT_VERSION})`);
  }
  return { files, metadata };
}

/** Writes the bundle files into `dir` (created; replaced atomically when it already holds a bundle). */
export async function saveBundleToDir(bundle: ModelBundle, dir: string): Promise<void> {
  const target = path.resolve(dir);
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  for (const [name, bytes] of Object.entries(bundle.files)) await writeFile(path.join(tmp, name), bytes);
  await writeFile(path.join(tmp, CHECKSUM_FILE), checksumLines(bundle.files));
  await rm(target, { recursive: true, force: true });
  await mkdir(path.dirname(target), { recursive: true });
  await rename(tmp, target);
}

/**
 * Reads a bundle directory and verifies every file against checksums.sha256 (BundleIntegrityError
 * on a mismatch or a missing file). A directory without checksums.sha256 (written before it
 * existed) is accepted unless `requireChecksums`.
 */
export async function loadBundleFromDir(dir: string, opts: { requireChecksums?: boolean } = {}): Promise<ModelBundle> {
  const files: Record<string, Uint8Array> = {};
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new BundleFormatError(`cannot read the model bundle directory ${dir}`, { cause: err });
  }
  for (const name of names) if ((BUNDLE_FILES as readonly string[]).includes(name)) files[name] = new Uint8Array(await readFile(path.join(dir, name)));
  if (names.includes(CHECKSUM_FILE)) verifyChecksums(files, await readFile(path.join(dir, CHECKSUM_FILE), 'utf8'), dir);
  else if (opts.requireChecksums) throw new BundleIntegrityError(`the model bundle in ${dir} has no ${CHECKSUM_FILE}`);
  return checkBundle(files);
}

function verifyChecksums(files: Record<string, Uint8Array>, text: string, dir: string): void {
  const listed = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (match?.[1] && match[2]) listed.set(match[2], match[1]);
  }
  for (const name of BUNDLE_FILES) {
    const expected = listed.get(name);
    const bytes = files[name];
    if (!expected) throw new BundleIntegrityError(`${CHECKSUM_FILE} in ${dir} lists no checksum for ${name}`);
    if (!bytes) continue; // checkBundle reports the missing file
    const actual = sha256(bytes);
    if (actual !== expected) throw new BundleIntegrityError(`${name} in ${dir} fails its sha256 (${actual.slice(0, 16)}… ≠ ${expected.slice(0, 16)}…): the bundle is corrupt`);
  }
}

/** Packs the bundle into one deterministic byte blob: magic, header length, JSON header, file bytes. */
export function packBundle(bundle: ModelBundle): Buffer {
  const names = Object.keys(bundle.files).sort();
  let offset = 0;
  const entries = names.map((name) => {
    const length = bundle.files[name]?.byteLength ?? 0;
    const e = { name, offset, length };
    offset += length;
    return e;
  });
  const header = Buffer.from(JSON.stringify({ version: BUNDLE_FORMAT_VERSION, files: entries }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([MAGIC, len, header, ...names.map((n) => bundle.files[n] ?? new Uint8Array())]);
}

export function unpackBundle(bytes: Uint8Array): ModelBundle {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) throw new BundleFormatError('not a packed model bundle (bad magic bytes)');
  const headerLength = buf.readUInt32BE(8);
  const start = 12 + headerLength;
  if (start > buf.length) throw new BundleFormatError('packed model bundle is truncated');
  let header: { files: { name: string; offset: number; length: number }[] };
  try {
    header = JSON.parse(buf.subarray(12, start).toString('utf8')) as typeof header;
  } catch (err) {
    throw new BundleFormatError('packed model bundle has a corrupt header', { cause: err });
  }
  const files: Record<string, Uint8Array> = {};
  for (const f of header.files) {
    if (start + f.offset + f.length > buf.length) throw new BundleFormatError(`packed model bundle is truncated in ${f.name}`);
    files[f.name] = new Uint8Array(buf.subarray(start + f.offset, start + f.offset + f.length));
  }
  return checkBundle(files);
}

export function bundleChecksum(bundle: ModelBundle): string {
  return createHash('sha256').update(packBundle(bundle)).digest('hex');
}

export type { FeatureState };
