import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOCAL_DEFAULTS } from '../../../src/config/local-defaults.ts';
import { assertSafeToListen, isLoopbackHost, parseBasic, parseBearer, safeEqual } from '../../../src/http/auth.ts';

const STRONG = { dashboardUser: 'ops', dashboardPassword: 'a-long-real-password', apiToken: 'a-long-real-api-token-0123' };

describe('safeEqual', () => {
  it('is true only for equal strings, whatever their lengths', () => {
    expect(safeEqual('token', 'token')).toBe(true);
    expect(safeEqual('token', 'tokem')).toBe(false);
    expect(safeEqual('token', 'token-longer')).toBe(false);
    expect(safeEqual('', 'token')).toBe(false);
    expect(safeEqual('é', 'é')).toBe(true);
  });

  it('agrees with === for any two strings, lone surrogates included, and never throws on unequal lengths', () => {
    const anyString = fc.string({ unit: 'binary', maxLength: 64 });
    fc.assert(fc.property(anyString, anyString, (given, expected) => safeEqual(given, expected) === (given === expected)));
    fc.assert(fc.property(anyString, (value) => safeEqual(value, value)));
    expect(safeEqual('\uD800', '\uDC00')).toBe(false);
  });
});

describe('parseBasic and parseBearer', () => {
  const basic = (value: string) => `Basic ${Buffer.from(value).toString('base64')}`;

  it('read the credentials of well-formed headers', () => {
    expect(parseBasic(basic('ops:pa:ss'))).toEqual({ user: 'ops', password: 'pa:ss' });
    expect(parseBasic(basic('ops:'))).toEqual({ user: 'ops', password: '' });
    expect(parseBearer('Bearer abc.DEF-123')).toBe('abc.DEF-123');
    expect(parseBearer('bearer abc')).toBe('abc');
  });

  it.each([undefined, '', 'Basic', 'Basic !!!', basic('no-colon'), 'Bearer abc', 'Digest x'])('reject the Basic header %j', (header) => {
    expect(parseBasic(header)).toBeUndefined();
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Bearer a b', 'Token abc', basic('a:b')])('reject the Bearer header %j', (header) => {
    expect(parseBearer(header)).toBeUndefined();
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '127.0.0.1.example.com', 'localhost.example.com', '::ffff:10.0.0.1'])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('assertSafeToListen', () => {
  it('allows loopback with any credentials, or none', () => {
    expect(() => assertSafeToListen('127.0.0.1', undefined)).not.toThrow();
    expect(() => assertSafeToListen('localhost', { dashboardUser: 'admin', dashboardPassword: LOCAL_DEFAULTS.DASHBOARD_PASSWORD, apiToken: LOCAL_DEFAULTS.API_TOKEN })).not.toThrow();
  });

  it('allows any host with credentials of its own', () => {
    expect(() => assertSafeToListen('0.0.0.0', STRONG)).not.toThrow();
  });

  it.each([
    ['no credentials', undefined, ['DASHBOARD_USER', 'DASHBOARD_PASSWORD', 'API_TOKEN']],
    ['the local dashboard password', { ...STRONG, dashboardPassword: LOCAL_DEFAULTS.DASHBOARD_PASSWORD }, ['DASHBOARD_PASSWORD']],
    ['the local API token', { ...STRONG, apiToken: LOCAL_DEFAULTS.API_TOKEN }, ['API_TOKEN']],
    ['an empty user', { ...STRONG, dashboardUser: '' }, ['DASHBOARD_USER']],
  ])('refuses a non-loopback host with %s, naming the variables to set', (_case, credentials, names) => {
    let error: unknown;
    try {
      assertSafeToListen('0.0.0.0', credentials);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'IDSYNC_ERR_INSECURE_HTTP', variables: names });
  });
});
