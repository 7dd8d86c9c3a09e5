/**
 * The seam between the registry (which knows versions, activation and hot swap) and serving
 * (which only needs a loaded classifier). Implemented by the registry's active-model cache.
 *
 * Glossary:
 * - active model: the one ModelVersion with status ACTIVE; `predict` uses it by default.
 * - loaded model: a version whose bundle has been read from Postgres and turned into a
 *   FacilityClassifier in this process.
 * - hot swap: replacing the active loaded model when `model_activated` is notified; callers
 *   that already hold a LoadedModel keep using it until they finish.
 */
import { ModelNotReadyError } from '../errors.js';
import type { FacilityClassifier } from '../ml/index.js';

export interface LoadedModel {
  version: number;
  classifier: FacilityClassifier;
}

/** A version's bundle could not be loaded (fails its sha256, does not unpack): it is never served (MODEL_NOT_READY). */
export class ModelLoadError extends ModelNotReadyError {
  constructor(readonly version: number, readonly reason: string, options?: { cause?: unknown }) {
    super(`model version ${version} cannot be served: ${reason}`, options?.cause);
  }
}

export interface ModelSource {
  /** The active model as loaded in this process, or null before any is ready. Cheap: called per request. */
  active(): LoadedModel | null;
  /** Any registered version (the active one included), loaded on demand and cached with a bound; null if unknown. Rejects with ModelLoadError for a bundle that fails its checks. */
  get(version: number): Promise<LoadedModel | null>;
  /** Why no model is served right now (null while one is, or before anything was tried). */
  unavailableReason?(): string | null;
  /** Called after each hot swap with the new active model. Returns an unsubscribe function. */
  onActiveChange(listener: (model: LoadedModel) => void): () => void;
}
