/** Writes schema/schema.graphql from the code: `npm run schema:emit`. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { printTrellisSchema } from './schema.js';

const target = path.resolve(process.argv[2] ?? 'schema/schema.graphql');
await writeFile(target, await printTrellisSchema());
console.log(`wrote ${target}`);
