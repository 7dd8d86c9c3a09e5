/**
 * The KEDA trigger's SQL, read from the ScaledObject manifest itself, run against a migrated
 * database: it must count the jobs that need a worker (3 queued jobs → 3).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/data-source.js';
import { poolOf } from '../../src/db/sql.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { REPO_ROOT } from '../helpers/server.js';
import { parseYamlObjects } from './render.js';

const MANIFEST = 'deploy/k8s/base/worker-scaledobject.yaml';

function triggerQuery(): string {
  const objects = parseYamlObjects(readFileSync(path.join(REPO_ROOT, MANIFEST), 'utf8'));
  const scaled = objects.find((o) => o.kind === 'ScaledObject');
  const trigger = (scaled?.spec.triggers as Array<{ type: string; metadata: { query: string } }>).find((t) => t.type === 'postgresql');
  if (!trigger) throw new Error(`${MANIFEST}: no postgresql trigger`);
  return trigger.metadata.query;
}

let database: TestDatabase;
let pool: pg.Pool;
let close: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase('keda');
  const dataSource = await openDatabase(database.url, 2);
  pool = poolOf(dataSource);
  close = () => dataSource.destroy();
});
afterAll(async () => {
  await close?.();
  await database?.drop();
});

async function addJob(status: string): Promise<void> {
  await pool.query(
    `INSERT INTO training_job (status, dataset_ids, hyperparameters, dedupe_key, attempts, worker_id, lease_expires_at)
     VALUES ($1, '{}', '{}', gen_random_uuid()::text, CASE WHEN $1 = 'QUEUED' THEN 0 ELSE 1 END,
             CASE WHEN $1 = 'RUNNING' THEN 'worker-a' END, CASE WHEN $1 = 'RUNNING' THEN now() + interval '30 seconds' END)`,
    [status],
  );
}

async function scalerValue(sql: string): Promise<number> {
  const res = await pool.query(sql);
  expect(res.rows).toHaveLength(1);
  expect(res.fields).toHaveLength(1); // KEDA reads one number
  return Number(Object.values(res.rows[0] as Record<string, unknown>)[0]);
}

describe("the KEDA postgresql trigger's query", () => {
  it('is the statement shown in the manifest comment', () => {
    const sql = triggerQuery();
    expect(readFileSync(path.join(REPO_ROOT, MANIFEST), 'utf8')).toContain(`#   ${sql}\n`);
  });

  it('counts 0 on an empty queue and 3 with 3 queued jobs', async () => {
    const sql = triggerQuery();
    expect(await scalerValue(sql)).toBe(0);
    for (let i = 0; i < 3; i++) await addJob('QUEUED');
    expect(await scalerValue(sql)).toBe(3);
  });

  it('counts running jobs too (a busy worker is not scaled away), finished ones not', async () => {
    const sql = triggerQuery();
    await addJob('RUNNING');
    for (const status of ['SUCCEEDED', 'FAILED', 'CANCELLED']) await addJob(status);
    expect(await scalerValue(sql)).toBe(4);
  });
});
