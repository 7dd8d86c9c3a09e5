/**
 * Where things are on disk, computed once for the server, the scripts and the tests: the
 * repository root (this file runs as src/paths.ts under vitest and tsx, as dist/src/paths.js when
 * built) and the shared dataset beside the repository (../shared/datasets: never committed; read
 * by scripts and tests only, the server never looks for it).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const REPO_ROOT = path.resolve(here, path.basename(path.dirname(here)) === 'dist' ? '../..' : '..');

/** The real dataset (5,864 data rows), when present. */
export const SHARED_DATASET = path.resolve(REPO_ROOT, '../shared/datasets/uganda-facilities.csv');
