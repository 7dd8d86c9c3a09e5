import { describe, expect, it } from 'vitest';
import { backoffDelay, isTransientDbError, withRetry } from '../../../src/db/retry.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isTransientDbError', () => {
  it.each([
    ['admin shutdown 57P01', pgError('57P01', 'terminating connection due to administrator command')],
    ['cannot connect now 57P03', pgError('57P03', 'the database system is starting up')],
    ['connection failure 08006', pgError('08006')],
    ['connection does not exist 08003', pgError('08003')],
    ['serialization failure 40001', pgError('40001')],
    ['deadlock 40P01', pgError('40P01')],
    ['too many connections 53300', pgError('53300')],
    ['refused socket', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['reset socket', pgError('ECONNRESET', 'read ECONNRESET')],
    ['connection ended under a query', new Error('Connection terminated unexpectedly')],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    ['client in error state', new Error('Client has encountered a connection error and is not queryable')],
    ['wrapped as a cause', new Error('could not store', { cause: pgError('57P01') })],
    ['inside an AggregateError', new AggregateError([pgError('ECONNREFUSED')], 'connect failed')],
  ])('retries %s', (_name, error) => {
    expect(isTransientDbError(error)).toBe(true);
  });

  it.each([
    ['unique violation 23505', pgError('23505', 'duplicate key value')],
    ['syntax error 42601', pgError('42601')],
    ['check violation 23514', pgError('23514')],
    ['statement timeout 57014', pgError('57014', 'canceling statement due to statement timeout')],
    ['undefined table 42P01', pgError('42P01')],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'text'],
    ['null', null],
  ])('does not retry %s', (_name, error) => {
    expect(isTransientDbError(error)).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('doubles from the base, is capped, and is jittered within [d/2, d]', () => {
    expect(backoffDelay(1, 100, 2_000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 2_000, () => 1)).toBe(400);
    expect(backoffDelay(10, 100, 2_000, () => 1)).toBe(2_000);
    expect(backoffDelay(10, 100, 2_000, () => 0)).toBe(1_000);
    expect(backoffDelay(100, 100, 2_000, () => 0.5)).toBe(1_500);
  });
});

describe('withRetry', () => {
  it('retries transient errors until the call succeeds', async () => {
    let calls = 0;
    const result = await withRetry(async () => {
      calls++;
      if (calls < 3) throw pgError('57P01');
      return 'stored';
    }, { baseDelayMs: 1, maxDelayMs: 2 });
    expect(result).toBe('stored');
    expect(calls).toBe(3);
  });

  it('rethrows a permanent error at once', async () => {
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw pgError('23505');
    }, { baseDelayMs: 1 })).rejects.toMatchObject({ code: '23505' });
    expect(calls).toBe(1);
  });

  it('rethrows the last transient error once the deadline has passed', async () => {
    const started = Date.now();
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw pgError('08006');
    }, { baseDelayMs: 5, maxDelayMs: 10, deadline: Date.now() + 60 })).rejects.toMatchObject({ code: '08006' });
    expect(calls).toBeGreaterThan(2);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops retrying when its signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(withRetry(async () => {
      throw pgError('57P03');
    }, { baseDelayMs: 5, maxDelayMs: 10, signal: controller.signal })).rejects.toMatchObject({ code: '57P03' });
  });
});
