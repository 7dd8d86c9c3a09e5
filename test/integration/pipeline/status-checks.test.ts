/**
 * The migrations' CHECK constraints are history (never edited), so they are tied to the domain's
 * lists here: each constrained column accepts exactly the values its domain list declares.
 */
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_ROLES } from '../../../src/auth/roles.js';
import { openDatabase } from '../../../src/db/data-source.js';
import { JOB_STATUSES } from '../../../src/jobs/types.js';
import { CARE_SYSTEMS, LABELS } from '../../../src/ml/index.js';
import { ACTIVATION_KINDS, MODEL_STATUSES } from '../../../src/registry/types.js';
import { WEBHOOK_EVENTS } from '../../../src/webhooks/webhooks.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await createTestDatabase('status_checks');
  dataSource = await openDatabase(db.url);
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

/** The quoted values of the CHECK constraints on `table.column`. */
async function checkedValues(table: string, column: string): Promise<string[]> {
  const rows: Array<{ def: string }> = await dataSource.query(
    `SELECT pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.contype = 'c' AND c.conrelid = $1::regclass AND a.attname = $2`,
    [table, column],
  );
  return rows.flatMap((r) => [...r.def.matchAll(/'([^']+)'::text/g)].map((m) => m[1] as string));
}

describe('the database CHECKs follow the domain lists', () => {
  it.each([
    ['training_job', 'status', JOB_STATUSES],
    ['model_version', 'status', MODEL_STATUSES],
    ['model_activation', 'kind', ACTIVATION_KINDS],
    ['dataset_row', 'label', LABELS],
    ['dataset_row', 'care_system', CARE_SYSTEMS],
    ['api_key', 'role', ACCESS_ROLES],
    ['webhook', 'events', WEBHOOK_EVENTS],
  ] as const)('%s.%s', async (table, column, domain) => {
    expect((await checkedValues(table, column)).sort()).toEqual([...domain].sort());
  });
});
