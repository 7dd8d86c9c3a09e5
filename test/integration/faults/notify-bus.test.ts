/**
 * The LISTEN connection across session ends, on the real test server: the old client is always
 * closed, one reconnect per loss (even when pg emits `error` twice), one LISTEN connection left,
 * each notification dispatched once, and onReconnect listeners called once per reconnect.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, createNotifyBus, LISTEN_APPLICATION_NAME, type NotifyBus } from '../../../src/db/notify-bus.js';
import { createLogger } from '../../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/server.js';

let db: TestDatabase;
let admin: pg.Client;
const logger = createLogger('silent');

beforeAll(async () => {
  db = await createTestDatabase('notify_bus');
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

const listenPids = async () =>
  (await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`, [db.name, LISTEN_APPLICATION_NAME])).rows.map((r) => r.pid);

/** A bus whose LISTEN clients are recorded, with whether each was ended. */
async function watchedBus(): Promise<{ bus: NotifyBus; clients: Array<{ client: pg.Client; ended: () => boolean }> }> {
  const clients: Array<{ client: pg.Client; ended: () => boolean }> = [];
  const bus = await createNotifyBus(db.url, logger, { reconnectDelayMs: 20, maxReconnectDelayMs: 100 }, () => {
    const client = new pg.Client({ connectionString: db.url, application_name: LISTEN_APPLICATION_NAME });
    let ended = false;
    const end = client.end.bind(client);
    client.end = (() => {
      ended = true;
      return end();
    }) as typeof client.end;
    clients.push({ client, ended: () => ended });
    return client;
  });
  return { bus, clients };
}

describe('notify bus reconnects', () => {
  it('closes the old client, reconnects once per termination, and keeps one LISTEN connection', async () => {
    const { bus, clients } = await watchedBus();
    const reconnected: number[] = [];
    bus.onReconnect(() => reconnected.push(Date.now()));
    const received: unknown[] = [];
    bus.subscribe(CHANNELS.modelActivated, (p) => received.push(p));
    try {
      for (let round = 1; round <= 3; round++) {
        const [pid] = await listenPids();
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await waitFor(() => bus.status().reconnects === round && bus.status().listening, { what: `reconnect ${round}` });
        expect(clients[round - 1]?.ended()).toBe(true); // the old client was closed
      }
      expect(await listenPids()).toHaveLength(1);
      expect(reconnected).toHaveLength(3);
      await admin.query(`SELECT pg_notify($1, '{"version":7}')`, [CHANNELS.modelActivated]);
      await waitFor(() => received.length >= 1, { what: 'the notification' });
      await new Promise((r) => setTimeout(r, 200)); // a duplicate would come from a second connection right after
      expect(received).toEqual([{ version: 7 }]);
    } finally {
      await bus.close();
    }
    expect(clients.every((c) => c.ended())).toBe(true);
    await waitFor(async () => (await listenPids()).length === 0, { what: 'no LISTEN connection after close' });
  });

  it('starts one reconnect when the client reports two errors for one lost session', async () => {
    const { bus, clients } = await watchedBus();
    try {
      const first = clients[0]?.client as pg.Client;
      first.emit('error', new Error('terminating connection due to administrator command'));
      first.emit('error', new Error('Connection terminated unexpectedly'));
      first.emit('end');
      await waitFor(() => bus.status().reconnects === 1 && bus.status().listening, { what: 'the reconnect' });
      await new Promise((r) => setTimeout(r, 300)); // room for a second loop to show itself
      expect(bus.status().reconnects).toBe(1);
      expect(clients).toHaveLength(2);
      expect(clients[0]?.ended()).toBe(true);
      await waitFor(async () => (await listenPids()).length === 1, { what: 'exactly one LISTEN connection' });
    } finally {
      await bus.close();
    }
  });
});
