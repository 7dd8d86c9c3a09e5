import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { printTrellisSchema } from '../../src/graphql/schema.js';
import { REPO_ROOT } from '../helpers/server.js';

it('schema/schema.graphql matches the schema the code builds (run `npm run schema:emit` after changing types)', async () => {
  const committed = await readFile(path.join(REPO_ROOT, 'schema/schema.graphql'), 'utf8');
  expect(await printTrellisSchema()).toBe(committed);
});
