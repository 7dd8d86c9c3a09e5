/**
 * Summarises a V8 `.cpuprofile` (node --cpu-prof): self time per function and per owner (our
 * `src/`, each npm package, Node's internals, GC), so "where does a request's time go" is a table
 * rather than a flame graph to squint at.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FrameTime {
  name: string;
  /** share of the non-idle samples */
  share: number;
  ms: number;
}

export interface ProfileSummary {
  /** wall time covered by the profile, ms */
  totalMs: number;
  /** time on the CPU (everything but "(idle)"), ms */
  busyMs: number;
  frames: FrameTime[];
  owners: FrameTime[];
  /** time with the function anywhere on the stack (its callees included) */
  inclusive: FrameTime[];
}

/** Who a frame's code belongs to: "src/http", "express", "graphql", "node", "(garbage collector)" … */
export function ownerOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : 'node (native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return 'node';
  const ours = /\/dist\/(src\/[^/]+|scripts)\//.exec(url);
  if (ours?.[1]) return `trellis ${ours[1]}`;
  if (/\/dist\/src\/[^/]+\.js$/.test(url)) return 'trellis src';
  return url;
}

function shortUrl(url: string): string {
  const pkg = /node_modules\/(.*)$/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const ours = /\/dist\/(.*)$/.exec(url);
  return ours?.[1] ?? url;
}

/** A span of CLOCK_MONOTONIC in µs (`process.hrtime.bigint() / 1000n`, V8's profile clock on Linux). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** The monotonic clock now, µs, comparable with a profile's sample times (Linux). */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Self time per function and owner; with `window`, only the samples taken inside it (e.g. the load window, not start-up). */
export async function summarizeProfile(file: string, top = 25, window?: ProfileWindow): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Time per sample: the delta to the next sample (V8's convention).
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const id = profile.samples[i] as number;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  const frames = new Map<string, number>();
  const owners = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const nameOf = ({ functionName, url, lineNumber }: ProfileNode['callFrame']) =>
    url ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}` : functionName || '(anonymous)';
  let idleUs = 0;
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const name = nameOf(node.callFrame);
    frames.set(name, (frames.get(name) ?? 0) + us);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame && frame.callFrame.functionName !== '(root)') onStack.add(nameOf(frame.callFrame));
    }
    for (const f of onStack) inclusive.set(f, (inclusive.get(f) ?? 0) + us);
    const owner = ownerOf(url, functionName);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rank = (m: Map<string, number>): FrameTime[] =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, share: us / busyUs, ms: us / 1000 }));
  return { totalMs: totalUs / 1000, busyMs: busyUs / 1000, frames: rank(frames), owners: rank(owners), inclusive: rank(inclusive) };
}

export function formatSummary(s: ProfileSummary, top = 15, inclusiveTop = 0): string {
  const lines = [`profile: ${(s.totalMs / 1000).toFixed(1)} s, on CPU ${(s.busyMs / 1000).toFixed(1)} s`, '', '| self time, by owner | share of CPU |', '| --- | ---: |'];
  for (const o of s.owners.slice(0, top)) lines.push(`| ${o.name} | ${(o.share * 100).toFixed(1)}% |`);
  lines.push('', '| self time, by function | share of CPU |', '| --- | ---: |');
  for (const f of s.frames.slice(0, top)) lines.push(`| \`${f.name}\` | ${(f.share * 100).toFixed(1)}% |`);
  if (inclusiveTop > 0) {
    lines.push('', '| total time (callees included), by function | share of CPU |', '| --- | ---: |');
    for (const f of s.inclusive.slice(0, inclusiveTop)) lines.push(`| \`${f.name}\` | ${(f.share * 100).toFixed(1)}% |`);
  }
  return lines.join('\n');
}
