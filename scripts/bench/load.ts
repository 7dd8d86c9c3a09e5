/**
 * Closed-loop HTTP load generator, run as its own process (so it does not steal the server's
 * event loop): `connections` keep-alive sockets, each sending the next body as soon as the previous
 * response is read. Bodies rotate, so requests vary. Used by scripts/bench-predict.ts via fork().
 */
import http from 'node:http';

export interface LoadSpec {
  url: string;
  /** JSON request bodies, used in rotation */
  bodies: string[];
  /** extra request headers (e.g. Authorization) */
  headers?: Record<string, string>;
  connections: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  startedAt: number;
  endedAt: number;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections, maxFreeSockets: spec.connections });
  const bodies = spec.bodies.map((b) => Buffer.from(b));
  let next = 0;
  let measuring = false;
  let stop = false;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;

  const once = (body: Buffer) =>
    new Promise<void>((resolve) => {
      const started = process.hrtime.bigint();
      const req = http.request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...spec.headers, 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            if (measuring) {
              const text = Buffer.concat(chunks).toString();
              if (res.statusCode !== 200 || text.includes('"errors"')) {
                errors++;
                firstError ??= `${res.statusCode}: ${text.slice(0, 300)}`;
              } else latencies.push(ms);
            }
            resolve();
          });
        },
      );
      req.on('error', (err) => {
        if (measuring) {
          errors++;
          firstError ??= err.message;
        }
        resolve();
      });
      req.end(body);
    });

  const loop = async () => {
    while (!stop) await once(bodies[next++ % bodies.length] as Buffer);
  };
  const loops = Array.from({ length: spec.connections }, loop);
  await new Promise((r) => setTimeout(r, spec.warmupMs));
  measuring = true;
  const startedAt = Date.now();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, spec.durationMs));
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const endedAt = Date.now();
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    errors,
    firstError,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
    startedAt,
    endedAt,
  };
}

// As a forked child: receive a LoadSpec, send back a LoadResult.
if (process.send) {
  process.once('message', (spec: LoadSpec) => {
    runLoad(spec).then(
      (result) => process.send?.({ result }, () => process.exit(0)),
      (error: unknown) => process.send?.({ error: String(error) }, () => process.exit(1)),
    );
  });
}
