/**
 * An unhandled promise rejection is a bug (in Node 20 it ends the process): a test file in which
 * one happens fails, naming it, even when every assertion passed.
 */
import { afterAll } from 'vitest';

const seen: unknown[] = [];
const record = (reason: unknown) => {
  seen.push(reason);
};
process.on('unhandledRejection', record);

afterAll(() => {
  process.off('unhandledRejection', record);
  if (seen.length > 0) {
    const first = seen[0];
    const text = first instanceof Error ? (first.stack ?? first.message) : String(first);
    throw new Error(`${seen.length} unhandled promise rejection(s) during this file; the first:\n${text}`);
  }
});
