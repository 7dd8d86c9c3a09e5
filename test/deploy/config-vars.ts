/** The environment variables src/config.ts reads (the one place env is read), from its source. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/server.js';

/** Read by the API-key feature (ARCHITECTURE.md "Contract additions"), set by deployments ahead of it. */
const ANNOUNCED = ['ADMIN_API_KEY'];

export function configVariables(): Set<string> {
  const source = readFileSync(path.join(REPO_ROOT, 'src/config.ts'), 'utf8');
  const names = new Set<string>(ANNOUNCED);
  for (const m of source.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)) names.add(m[1] as string);
  for (const m of source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) names.add(m[1] as string);
  return names;
}
