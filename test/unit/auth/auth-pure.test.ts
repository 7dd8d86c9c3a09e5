/** The pure parts of access control: bearer parsing, roles, signed links, the rate limiter, formula escaping, configuration. */
import { describe, expect, it } from 'vitest';
import { bearerKey, generateKey, hashKey } from '../../../src/auth/keys.js';
import { RateLimiter } from '../../../src/auth/rate-limit.js';
import { higherRole, roleAtLeast } from '../../../src/auth/roles.js';
import { LinkSigner } from '../../../src/auth/signed-links.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { RateLimitedError } from '../../../src/errors.js';
import { spreadsheetSafe } from '../../../src/ml/index.js';

describe('keys', () => {
  it('are random, prefixed, and stored as a SHA-256', () => {
    const a = generateKey();
    expect(a).toMatch(/^trk_[A-Za-z0-9_-]{43}$/);
    expect(generateKey()).not.toBe(a);
    expect(hashKey(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('are read from "Bearer <key>" only', () => {
    expect(bearerKey(undefined)).toBeNull();
    expect(bearerKey('')).toBeNull();
    expect(bearerKey('Bearer trk_abc')).toBe('trk_abc');
    expect(bearerKey('bearer   trk_abc ')).toBe('trk_abc');
    expect(bearerKey('Basic dXNlcg==')).toBeUndefined();
    expect(bearerKey('Bearer')).toBeUndefined();
    expect(bearerKey(42)).toBeUndefined();
  });
});

describe('roles', () => {
  it('are cumulative', () => {
    expect(roleAtLeast('ADMIN', 'VIEWER')).toBe(true);
    expect(roleAtLeast('TRAINER', 'PREDICTOR')).toBe(true);
    expect(roleAtLeast('PREDICTOR', 'TRAINER')).toBe(false);
    expect(roleAtLeast(null, 'VIEWER')).toBe(false);
    expect(higherRole('VIEWER', 'ADMIN')).toBe('ADMIN');
    expect(higherRole(null, 'VIEWER')).toBe('VIEWER');
  });
});

describe('signed links', () => {
  it('verify their own signature until they expire, and nothing else', () => {
    let now = 1_000_000;
    const signer = new LinkSigner('secret', () => now);
    const link = signer.sign('/downloads/predictions/a.csv', 60_000);
    const url = new URL(link, 'http://x');
    const [expires, sig] = [url.searchParams.get('expires'), url.searchParams.get('sig')];
    expect(signer.verify('/downloads/predictions/a.csv', expires, sig)).toBe(true);
    expect(signer.verify('/downloads/predictions/b.csv', expires, sig)).toBe(false);
    expect(signer.verify('/downloads/predictions/a.csv', String(Number(expires) + 1), sig)).toBe(false);
    expect(new LinkSigner('other', () => now).verify('/downloads/predictions/a.csv', expires, sig)).toBe(false);
    expect(signer.verify('/downloads/predictions/a.csv', undefined, sig)).toBe(false);
    now += 60_001;
    expect(signer.verify('/downloads/predictions/a.csv', expires, sig)).toBe(false);
  });
});

describe('rate limiter', () => {
  it('allows the burst, then one per 1/rate seconds, per caller', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 3, () => now);
    for (let i = 0; i < 3; i++) limiter.take('a');
    expect(() => limiter.take('a')).toThrow(RateLimitedError);
    limiter.take('b');
    now += 500;
    limiter.take('a');
    expect(() => limiter.take('a')).toThrow(/retry in 500 ms/);
    expect(new RateLimiter(0, 1).enabled).toBe(false);
  });
});

describe('spreadsheet-safe cells', () => {
  it('escape formulas, keep numbers', () => {
    expect(spreadsheetSafe('=1+2')).toBe("'=1+2");
    expect(spreadsheetSafe('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(spreadsheetSafe('+256 772 000000')).toBe("'+256 772 000000");
    expect(spreadsheetSafe('-cmd')).toBe("'-cmd");
    expect(spreadsheetSafe('\t=1')).toBe("'\t=1");
    expect(spreadsheetSafe('-0.35')).toBe('-0.35');
    expect(spreadsheetSafe('+3')).toBe('+3');
    expect(spreadsheetSafe('1e-5')).toBe('1e-5');
    expect(spreadsheetSafe('Kasubi HC III')).toBe('Kasubi HC III');
    expect(spreadsheetSafe('')).toBe('');
  });
});

describe('access configuration', () => {
  it('has safe defaults and production turns introspection off', () => {
    const config = loadConfig({});
    expect(config.auth).toMatchObject({ adminApiKey: null, anonymousRole: null, rateLimitPerSecond: 0 });
    expect(config.limits).toMatchObject({ maxRequestBytes: 1024 * 1024, maxTokens: 5000, maxAliases: 30, maxCost: 6000, wsMaxOperations: 20 });
    expect(config.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ introspection: false, fieldSuggestions: false });
    expect(loadConfig({ NODE_ENV: 'production', INTROSPECTION: 'true' })).toMatchObject({ introspection: true, fieldSuggestions: true });
    expect(loadConfig({ ANONYMOUS_ROLE: 'Viewer' }).auth.anonymousRole).toBe('VIEWER');
  });

  it.each([
    ['ADMIN_API_KEY', 'short', /ADMIN_API_KEY.*at least 16 characters/],
    ['ANONYMOUS_ROLE', 'root', /ANONYMOUS_ROLE.*none \| viewer \| predictor \| trainer \| admin/],
    ['INTROSPECTION', 'maybe', /INTROSPECTION.*true \| false/],
    ['QUERY_MAX_DEPTH', '0', /QUERY_MAX_DEPTH/],
    ['MAX_REQUEST_BYTES', '10', /MAX_REQUEST_BYTES/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('never echoes a bad ADMIN_API_KEY', () => {
    expect(() => loadConfig({ ADMIN_API_KEY: 'secret' })).toThrow(/"\*{6}"/);
  });
});
