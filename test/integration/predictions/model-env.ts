/**
 * The model the prediction tests serve: the committed bundle when it is there, else a bundle
 * trained on the synthetic CSV and saved to a temporary directory (BUNDLED_MODEL_DIR).
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { saveBundleToDir } from '../../../src/ml/index.js';
import { COMMITTED_MODEL_DIR, loadTestBundle } from '../../unit/serving/model-fixture.js';

export async function servedModelDir(): Promise<{ dir: string; env: Record<string, string> }> {
  if (existsSync(path.join(COMMITTED_MODEL_DIR, 'metadata.json'))) return { dir: COMMITTED_MODEL_DIR, env: {} };
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'trellis-model-')), 'bundle');
  await saveBundleToDir(await loadTestBundle(), dir);
  return { dir, env: { BUNDLED_MODEL_DIR: dir } };
}
