/**
 * Offline training: npm run train -- --data <csv> --out <dir> [--lr 0.0005 --batch-size 16
 * --epochs 100 --patience 15 --seed 42 --hidden-units 64,32 --dropout 0.2 --l2 0.0001]
 */
import { createReadStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEFAULT_HYPERPARAMETERS, readFacilityCsv, resolveHyperparameters, saveBundleToDir, trainInWorker,
  type EpochMetrics, type Hyperparameters,
} from '../src/ml/index.js';
import { loadConfig } from '../src/config.js';

const USAGE = 'usage: npm run train -- --data <csv> --out <dir> [--lr 0.0005] [--batch-size 16] [--epochs 100] [--patience 15] [--seed 42] [--hidden-units 64,32] [--dropout 0.2] [--l2 0.0001] [--split-groups duplicate|location]';

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`--${name} expects a number, got "${value}"`);
  return n;
}

export function parseTrainArgs(argv: string[]): { data: string; out: string; hyperparameters: Hyperparameters; splitGroups: 'duplicate' | 'location' } {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' }, out: { type: 'string' }, lr: { type: 'string' }, 'batch-size': { type: 'string' },
      epochs: { type: 'string' }, patience: { type: 'string' }, seed: { type: 'string' }, 'hidden-units': { type: 'string' },
      dropout: { type: 'string' }, l2: { type: 'string' }, 'split-groups': { type: 'string' },
    },
    strict: true,
  });
  if (!values.data || !values.out) throw new Error(USAGE);
  const splitGroups = values['split-groups'] ?? 'duplicate';
  if (splitGroups !== 'duplicate' && splitGroups !== 'location') throw new Error(`--split-groups expects duplicate or location, got "${splitGroups}"`);
  const hidden = values['hidden-units']?.split(',').map((s) => num('hidden-units', s) as number);
  const partial: Partial<Hyperparameters> = {
    learningRate: num('lr', values.lr), batchSize: num('batch-size', values['batch-size']), epochs: num('epochs', values.epochs),
    patience: num('patience', values.patience), seed: num('seed', values.seed), dropout: num('dropout', values.dropout), l2: num('l2', values.l2),
    ...(hidden ? { hiddenUnits: hidden } : {}),
  };
  return { data: values.data, out: values.out, hyperparameters: resolveHyperparameters(partial), splitGroups };
}

function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function epochLine(m: EpochMetrics, max: number): string {
  const v = (x: number | null) => (x === null ? '   -  ' : x.toFixed(4));
  return `epoch ${String(m.epoch).padStart(3)}/${max} loss ${m.loss.toFixed(4)} acc ${m.accuracy.toFixed(4)} val_loss ${v(m.valLoss)} val_acc ${v(m.valAccuracy)} lr ${m.learningRate.toExponential(1)} ${Math.round(m.durationMs)}ms`;
}

export async function main(argv: string[]): Promise<void> {
  const args = parseTrainArgs(argv);
  const started = performance.now();
  const csv = await readFacilityCsv(createReadStream(args.data));
  const labeled = csv.rows.filter((r) => r.record.rating !== null).length;
  console.log(`read ${args.data}: ${csv.rows.length} rows kept (${labeled} labeled, ${csv.rows.length - labeled} unlabeled), ${csv.rejected.length} rejected, ${csv.duplicatesCollapsed} duplicates collapsed`);
  for (const r of csv.rejected.slice(0, 10)) console.log(`  rejected line ${r.line}${r.column ? ` (${r.column})` : ''}: ${r.reason}`);
  if (csv.rejected.length > 10) console.log(`  ... and ${csv.rejected.length - 10} more rejected rows`);
  console.log(`hyperparameters: ${JSON.stringify(args.hyperparameters)}`);

  const tty = process.stdout.isTTY;
  const max = args.hyperparameters.epochs;
  const outcome = await trainInWorker(csv.rows.map((r) => r.record), {
    hyperparameters: args.hyperparameters,
    backend: loadConfig().tfBackend ?? undefined,
    splitGroups: args.splitGroups,
    log: (msg) => console.log(tty ? `\r\x1b[K${msg}` : msg),
    onEpoch: (m) => {
      if (tty) process.stdout.write(`\r\x1b[K${bar(m.epoch / max)} ${epochLine(m, max)}`);
      else console.log(epochLine(m, max));
    },
  });
  if (tty) process.stdout.write('\n');
  const m = outcome.metrics;
  console.log(`\nbackend: ${outcome.backend}; best epoch ${outcome.bestEpoch} of ${outcome.epochs.length}${outcome.stoppedEarly ? ' (stopped early)' : ''}`);
  console.log(`test rows ${m.testRows} (train ${m.trainRows}, validation ${m.validationRows})\n`);
  console.log(m.report);
  console.log(`macro-F1 ${m.macroF1.toFixed(4)} | majority-class baseline macro-F1 ${m.majorityBaselineMacroF1.toFixed(4)} | accuracy ${m.accuracy.toFixed(4)} | test loss ${m.testLoss.toFixed(4)}`);
  const fig = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(4));
  console.log(`macro-F1 by place: all ${m.testRows} test rows ${fig(m.macroF1)} | ${m.knownPlaceRows ?? 0} at known places (coordinates in training) ${fig(m.knownPlaceMacroF1)} | ${m.newPlaceRows ?? 0} at new places ${fig(m.newPlaceMacroF1)} | majority baseline ${fig(m.majorityBaselineMacroF1)}`);
  console.log('confusion matrix (rows = true, columns = predicted; LOW MEDIUM HIGH):');
  for (const [i, row] of m.confusionMatrix.entries()) console.log(`  ${['LOW', 'MEDIUM', 'HIGH'][i]?.padEnd(6)} ${row.map((c) => String(c).padStart(5)).join(' ')}`);
  await saveBundleToDir(outcome.bundle, args.out);
  console.log(`\nmodel bundle written to ${args.out} in ${((performance.now() - started) / 1000).toFixed(1)} s total`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}

export { DEFAULT_HYPERPARAMETERS };
