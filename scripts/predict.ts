/** Offline prediction: npm run predict -- --model <dir> --data <csv> --out <csv> (the scorer is src/ml/score-csv.ts, shared with predictBatchFile). */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FacilityClassifier, loadBundleFromDir, scoreCsv } from '../src/ml/index.js';

const USAGE = 'usage: npm run predict -- --model <dir> --data <csv> --out <csv>';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' } }, strict: true });
  if (!values.model || !values.data || !values.out) throw new Error(USAGE);
  const classifier = FacilityClassifier.fromBundle(await loadBundleFromDir(values.model));
  const output = createWriteStream(values.out);
  const summary = await scoreCsv(classifier, createReadStream(values.data), {
    write: async (text) => {
      if (!output.write(text)) await once(output, 'drain');
    },
  });
  output.end();
  await finished(output);
  console.log(`wrote ${values.out}: ${summary.rows} rows, ${summary.scored} scored, ${summary.errors} with an error (see the error column)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
