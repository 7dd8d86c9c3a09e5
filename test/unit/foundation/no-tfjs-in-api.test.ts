/**
 * The API process never loads TensorFlow.js: serving runs the plain-JS forward pass, and training
 * runs in a process of its own (src/ml/train-worker.ts). tfjs and its backends are ≈ 14 MB of heap
 * that every garbage collection of the serving process would otherwise walk. This follows the
 * static imports from src/main.ts (type-only imports do not load anything).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../src/paths.js';

const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\s+from\s+)?'([^']+)'/gm;

/** Every module reachable from `entry` by static imports: our files, and the bare package names they import. */
function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = match[1] as string;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('the API process', () => {
  it('imports no TensorFlow.js module, from src/main.ts down', () => {
    const { files, packages } = reachable(path.join(REPO_ROOT, 'src/main.ts'));
    expect(files.size).toBeGreaterThan(50);
    expect([...packages].filter((p) => p.startsWith('@tensorflow/'))).toEqual([]);
    expect([...files].map((f) => path.relative(REPO_ROOT, f)).filter((f) => ['src/ml/train.ts', 'src/ml/backend.ts', 'src/ml/train-worker.ts'].includes(f))).toEqual([]);
  });

  it('the training process does (the check above would notice an import of it)', () => {
    const { packages } = reachable(path.join(REPO_ROOT, 'src/ml/train-worker.ts'));
    expect(packages.has('@tensorflow/tfjs')).toBe(true);
  });
});
