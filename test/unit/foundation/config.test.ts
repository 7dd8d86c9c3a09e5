import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const config = loadConfig({}, '/srv/trellis');
    expect(config.port).toBe(4000);
    expect(config.role).toBe('all');
    expect(config.databaseUrl).toBeNull();
    expect(config.dataDir).toBe('/srv/trellis/.data');
    expect(config.logLevel).toBe('info');
    expect(config.gate).toEqual({ policy: 'auto', tolerance: 0, minEvaluationRows: 100, confidence: 0.95 });
    expect(loadConfig({ GATE_POLICY: 'Manual' }).gate.policy).toBe('manual');
  });

  it.each([
    ['PORT', 'abc', /PORT.*integer from 0 to 65535/],
    ['PORT', '70000', /PORT/],
    ['ROLE', 'trainer', /ROLE.*all \| api \| worker/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL.*postgres:\/\//],
    ['GATE_TOLERANCE', '-2', /GATE_TOLERANCE/],
    ['GATE_POLICY', 'sometimes', /GATE_POLICY.*auto \| manual/],
    ['GATE_MIN_EVALUATION_ROWS', '-1', /GATE_MIN_EVALUATION_ROWS/],
    ['GATE_CONFIDENCE', '1.5', /GATE_CONFIDENCE/],
    ['CORS_ORIGINS', 'studio.apollographql.com', /CORS_ORIGINS.*origins like/],
    ['CORS_ORIGINS', 'https://a.example/path', /CORS_ORIGINS/],
    ['JOB_TIMEOUT_MS', '10', /JOB_TIMEOUT_MS.*integer from 1000/],
    ['EPOCH_RETENTION_DAYS', '-1', /EPOCH_RETENTION_DAYS/],
    ['DB_STATEMENT_TIMEOUT_MS', '1.5', /DB_STATEMENT_TIMEOUT_MS/],
    ['DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 'x', /DB_IDLE_IN_TRANSACTION_TIMEOUT_MS/],
    ['TRAIN_MAX_ROWS', '0', /TRAIN_MAX_ROWS/],
  ])('rejects %s=%s with a message naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('allows Apollo Studio cross-origin by default, and takes a list or none', () => {
    expect(loadConfig({}).corsOrigins).toEqual(['https://studio.apollographql.com']);
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:3000' }).corsOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
    expect(loadConfig({ CORS_ORIGINS: '' }).corsOrigins).toEqual([]);
  });

  it('has bounds and retry settings for the fault paths', () => {
    const config = loadConfig({});
    expect(config.jobs).toMatchObject({ timeoutMs: 3_600_000, retryBaseMs: 5_000, retryMaxMs: 300_000, epochRetentionDays: 30, maxTrainingRows: 1_000_000 });
    expect(config.db).toEqual({ statementTimeoutMs: 60_000, idleInTransactionTimeoutMs: 60_000, retryBaseMs: 100, retryMaxMs: 2_000 });
    expect(loadConfig({ EPOCH_RETENTION_DAYS: '0', DB_STATEMENT_TIMEOUT_MS: '0' })).toMatchObject({ jobs: { epochRetentionDays: 0 }, db: { statementTimeoutMs: 0 } });
  });

  it('accepts the documented values', () => {
    const config = loadConfig({ PORT: '8080', ROLE: 'Worker', DATABASE_URL: 'postgres://u@h:5433/db', DATA_DIR: '/tmp/x' });
    expect(config).toMatchObject({ port: 8080, role: 'worker', databaseUrl: 'postgres://u@h:5433/db', dataDir: '/tmp/x' });
  });

  it('reads NODE_ENV and TRELLIS_TF_BACKEND here too, so no other module reads the environment', () => {
    expect(loadConfig({})).toMatchObject({ landingPage: true, tfBackend: null });
    expect(loadConfig({ NODE_ENV: 'production' }).landingPage).toBe(false);
    expect(loadConfig({ TRELLIS_TF_BACKEND: 'WASM' }).tfBackend).toBe('wasm');
    expect(() => loadConfig({ TRELLIS_TF_BACKEND: 'gpu' })).toThrow(/TRELLIS_TF_BACKEND.*tensorflow \| wasm \| cpu/);
  });
});
