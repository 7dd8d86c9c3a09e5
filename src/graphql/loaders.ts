/**
 * Per-operation DataLoaders: a page of jobs asks for each job's epochs and model, which would be
 * one query per job; a loader gathers them into one query per field. Batching only, no caching:
 * a subscription keeps its context for every event, and a cached job would go stale.
 */
import DataLoader from 'dataloader';
import type { StoredEpoch } from '../jobs/types.js';
import type { ModelVersionRecord } from '../registry/types.js';
import type { AppServices } from '../services.js';
import type { GraphQLContext } from './context.js';

export interface Loaders {
  epochsByJob: DataLoader<string, StoredEpoch[]>;
  modelByVersion: DataLoader<number, ModelVersionRecord | null>;
}

const byContext = new WeakMap<object, Loaders>();

export function loadersFor(context: GraphQLContext, services: AppServices): Loaders {
  let loaders = byContext.get(context);
  if (!loaders) {
    loaders = {
      epochsByJob: new DataLoader(async (ids) => {
        const found = await services.jobs.epochsOf(ids);
        return ids.map((id) => found.get(id) ?? []);
      }, { cache: false }),
      modelByVersion: new DataLoader(async (versions) => {
        const found = await services.registry.getMany(versions);
        return versions.map((v) => found.get(v) ?? null);
      }, { cache: false }),
    };
    byContext.set(context, loaders);
  }
  return loaders;
}
