/**
 * Bounds: an upload is stored chunk by chunk, so the server's memory does not grow with the file.
 * A real `ROLE=all` process with its JavaScript heap capped at 128 MB (so garbage is collected
 * rather than left to pile up, and what the peak measures is what is held) takes a 20,000-row
 * upload, then one ten times larger (44 MB); the second may raise the process's peak resident
 * memory (VmHWM) by no more than a fixed allowance. Held whole in memory (the code before this
 * test), the 200,000 parsed rows exhaust that heap and the process dies mid-upload. Both uploads
 * are checked complete: what the API says it accepted is what is stored.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCsv } from '../fixtures/synthetic.js';
import { gqlUpload } from '../helpers/graphql-client.js';
import { dataOf, report, spawnOn, stopProcess, type RunningTrellis } from './fault-helpers.js';
import { createFaultCluster, type FaultCluster } from './pg-cluster.js';

const SMALL_ROWS = 20_000;
const LARGE_ROWS = 200_000;
/** What the larger upload may add to the peak after the smaller one: buffers, not rows. */
const ALLOWED_PEAK_GROWTH_MB = 64;

let cluster: FaultCluster;
let trellis: RunningTrellis | undefined;
let url: string;

beforeAll(async () => {
  cluster = await createFaultCluster();
  url = await cluster.createDatabase('trellis_bounded_upload');
});
afterAll(async () => {
  await stopProcess(trellis);
  await cluster?.destroy();
});

/** Peak and current resident memory of a process, in MB (Linux /proc). */
function memoryOf(pid: number): { peakMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

async function upload(rows: number, content: Buffer): Promise<{ accepted: number; stored: number; collapsed: number; mb: number; ms: number }> {
  const started = performance.now();
  const res = await gqlUpload(
    (trellis as RunningTrellis).graphqlUrl,
    'mutation($file: Upload!) { uploadDataset(file: $file, autoRetrain: false) { acceptedCount duplicatesCollapsed dataset { id rowCount } } }',
    {},
    { name: `facilities-${rows}.csv`, content },
  );
  const result = dataOf(res.body).uploadDataset;
  const stored = (await cluster.query<{ n: number }>('SELECT count(*)::int AS n FROM dataset_row WHERE dataset_id = $1', [result.dataset.id], 'trellis_bounded_upload'))[0]?.n ?? -1;
  return { accepted: result.acceptedCount, stored, collapsed: result.duplicatesCollapsed, mb: content.length / 2 ** 20, ms: performance.now() - started };
}

describe('a large upload', () => {
  it('is stored with bounded memory: ten times the rows do not raise the peak by more than a fixed allowance', async () => {
    trellis = await spawnOn(url, { UPLOAD_MAX_BYTES: String(512 * 2 ** 20), UPLOAD_MAX_ROWS: String(1_000_000), LOG_LEVEL: 'warn', NODE_OPTIONS: '--max-old-space-size=128' });
    const pid = trellis.child.pid as number;
    // made up front: a keep-alive connection left idle while a file is generated may be closed
    // by the server just as the next request starts writing on it
    const smallFile = Buffer.from(syntheticCsv({ rows: SMALL_ROWS, seed: 11 }));
    const largeFile = Buffer.from(syntheticCsv({ rows: LARGE_ROWS, seed: 12 }));
    const atStart = memoryOf(pid);
    const small = await upload(SMALL_ROWS, smallFile);
    const afterSmall = memoryOf(pid);
    const large = await upload(LARGE_ROWS, largeFile);
    const afterLarge = memoryOf(pid);
    const figures = {
      small: { rows: SMALL_ROWS, fileMb: +small.mb.toFixed(1), seconds: +(small.ms / 1000).toFixed(1), peakMb: +afterSmall.peakMb.toFixed(0) },
      large: { rows: LARGE_ROWS, fileMb: +large.mb.toFixed(1), seconds: +(large.ms / 1000).toFixed(1), peakMb: +afterLarge.peakMb.toFixed(0) },
      peakAtStartMb: +atStart.peakMb.toFixed(0),
      peakGrowthFromLargeMb: +(afterLarge.peakMb - afterSmall.peakMb).toFixed(1),
      allowanceMb: ALLOWED_PEAK_GROWTH_MB,
      rowsPerSecondLarge: Math.round(LARGE_ROWS / (large.ms / 1000)),
    };
    report('7. upload memory bound', figures);
    // nothing lost: what the API says it accepted is what is stored
    expect(small.stored).toBe(small.accepted);
    expect(large.stored).toBe(large.accepted);
    expect(small.accepted + small.collapsed).toBeGreaterThan(SMALL_ROWS * 0.9);
    expect(large.accepted + large.collapsed).toBeGreaterThan(LARGE_ROWS * 0.9);
    expect(afterLarge.peakMb - afterSmall.peakMb).toBeLessThan(ALLOWED_PEAK_GROWTH_MB);
    expect(trellis.alive()).toBe(true);
  });
});
