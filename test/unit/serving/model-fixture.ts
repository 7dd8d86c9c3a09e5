/**
 * A real model for serving tests: the committed bundle (models/facility-rating) when present,
 * otherwise one trained here on the synthetic CSV (few epochs). Plus a ModelSource over it that
 * behaves like the registry's (same LoadedModel object per version, unknown versions → null).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  FacilityClassifier, loadBundleFromDir, readFacilityCsv, resolveHyperparameters, type ModelBundle,
} from '../../../src/ml/index.js';
import { trainModel } from '../../../src/ml/train.js';
import type { LoadedModel, ModelSource } from '../../../src/registry/model-source.js';
import { REPO_ROOT, SHARED_DATASET } from '../../../src/paths.js';
import { syntheticCsv } from '../../fixtures/synthetic.js';

export { REPO_ROOT };
export const COMMITTED_MODEL_DIR = path.join(REPO_ROOT, 'models/facility-rating');
export const REAL_DATASET = SHARED_DATASET;

export async function loadTestBundle(seed = 7): Promise<ModelBundle> {
  if (seed === 7 && existsSync(path.join(COMMITTED_MODEL_DIR, 'metadata.json'))) return loadBundleFromDir(COMMITTED_MODEL_DIR);
  const csv = await readFacilityCsv(Readable.from([syntheticCsv({ rows: 400, seed })]));
  const outcome = await trainModel(csv.rows.map((r) => r.record), {
    hyperparameters: resolveHyperparameters({ epochs: 4, patience: 4, batchSize: 32, learningRate: 0.01, seed }),
  });
  return outcome.bundle;
}

export async function loadTestModel(version = 1, seed = 7): Promise<LoadedModel> {
  return { version, classifier: FacilityClassifier.fromBundle(await loadTestBundle(seed)) };
}

/** An in-memory ModelSource over already loaded models; `activate` swaps like a NOTIFY would. */
export class StaticModelSource implements ModelSource {
  private current: LoadedModel | null;
  private readonly listeners = new Set<(m: LoadedModel) => void>();
  readonly gets: number[] = [];

  constructor(private readonly models: Map<number, LoadedModel>, activeVersion: number | null) {
    this.current = activeVersion === null ? null : (models.get(activeVersion) ?? null);
  }

  active(): LoadedModel | null {
    return this.current;
  }

  get(version: number): Promise<LoadedModel | null> {
    this.gets.push(version);
    return Promise.resolve(this.models.get(version) ?? null);
  }

  activate(version: number): void {
    const model = this.models.get(version);
    if (!model) throw new Error(`no version ${version}`);
    this.current = model;
    for (const l of this.listeners) l(model);
  }

  onActiveChange(listener: (model: LoadedModel) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
