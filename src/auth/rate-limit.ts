/**
 * Per-caller token buckets (RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST): each operation takes one
 * token; tokens come back at the configured rate. In memory, per process: with N replicas behind
 * a balancer a key gets up to N times the rate, which is what a per-replica guard is for.
 */
import { RateLimitedError } from '../errors.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept at most; full ones are dropped first (a full bucket is the same as none). */
const MAX_BUCKETS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly perSecond: number, private readonly burst: number, private readonly now: () => number = Date.now) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  /** Takes one token for `caller` or throws RATE_LIMITED with the wait until the next one. */
  take(caller: string): void {
    if (!this.enabled) return;
    const now = this.now();
    let bucket = this.buckets.get(caller);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.prune(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(caller, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    throw new RateLimitedError(Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000));
  }

  private prune(now: number): void {
    for (const [caller, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(caller);
    }
    // Still full of busy callers: forget the oldest.
    for (const caller of this.buckets.keys()) {
      if (this.buckets.size < MAX_BUCKETS) break;
      this.buckets.delete(caller);
    }
  }
}
