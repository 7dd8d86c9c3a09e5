import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { generateWebApi } from '../../scripts/codegen/web-api.js';
import { REPO_ROOT } from '../helpers/server.js';

it('web/src/api/types.ts and documents.ts match what GraphQL Code Generator makes of the schema and the UI\'s operations (run `npm run codegen`)', async () => {
  const generated = await generateWebApi(REPO_ROOT);
  expect(generated.map((g) => g.file)).toEqual(['web/src/api/types.ts', 'web/src/api/documents.ts']);
  for (const { file, content } of generated) {
    expect(await readFile(path.join(REPO_ROOT, file), 'utf8'), file).toBe(content);
  }
});
