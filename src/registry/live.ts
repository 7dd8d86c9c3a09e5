/**
 * The activeModelChanged stream over LISTEN/NOTIFY, correct across processes: each activation
 * committed anywhere. After a reconnect of the bus (notifications may have been lost) the active
 * version is re-read, and sent when it changed meanwhile.
 */
import { Channel, closable, OUTAGE_PATIENCE_MS, reader, RESYNC, type LiveDeps } from '../db/live-channel.js';
import { CHANNELS } from '../db/notify-bus.js';
import { withRetry } from '../db/retry.js';
import type { ModelVersionRecord, ModelVersionRow } from './types.js';

/** Each model activation, anywhere: the version number that became active. */
export function activeVersions(deps: LiveDeps): AsyncGenerator<number> {
  const events = new Channel<{ version: number } | typeof RESYNC>();
  const gen = async function* (): AsyncGenerator<number> {
    const off = deps.bus.subscribe(CHANNELS.modelActivated, (p) => events.push(p as { version: number }));
    const offResync = deps.bus.onReconnect(() => events.push(RESYNC));
    const read = reader(deps, events);
    const activeVersion = async () =>
      (await read(() => deps.pool.query<Pick<ModelVersionRow, 'version'>>(`SELECT version FROM model_version WHERE status = 'ACTIVE'`))).rows[0]?.version ?? null;
    try {
      let known = await activeVersion();
      for (;;) {
        const batch = await events.drain(60_000);
        if (events.closed) return;
        for (const e of batch) {
          const version = 'kind' in e ? await activeVersion() : e.version;
          if (version === null || ('kind' in e && version === known)) continue;
          known = version;
          yield version;
        }
      }
    } finally {
      off();
      offResync();
    }
  };
  return closable(gen(), events);
}

/** Each activation as the version that became active, read with `get` (which waits out an outage like the stream). */
export function activeModels(deps: LiveDeps, get: (version: number) => Promise<ModelVersionRecord | null>): AsyncGenerator<ModelVersionRecord> {
  const versions = activeVersions(deps);
  const models = (async function* () {
    for await (const version of versions) {
      const model = await withRetry(() => get(version), { deadline: Date.now() + (deps.outagePatienceMs ?? OUTAGE_PATIENCE_MS), maxDelayMs: 2_000 });
      if (model) yield model;
    }
  })();
  // Leaving subscribers must end the wait on the bus at once, not at the next activation.
  const end = models.return.bind(models);
  models.return = async (value) => {
    await versions.return(undefined);
    return end(value);
  };
  return models;
}
