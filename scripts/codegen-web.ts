/** Writes web/src/api/types.ts and documents.ts from the SDL and the UI's operations: `npm run codegen`. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateWebApi } from './codegen/web-api.js';

const root = process.cwd();
for (const { file, content } of await generateWebApi(root)) {
  await writeFile(path.join(root, file), content);
  console.log(`wrote ${file}`);
}
