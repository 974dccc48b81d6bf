import fc from 'fast-check';
import { MongoNetworkError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.ts';
import { isPlatform, PLATFORMS } from '../../../src/ids/index.ts';
import type { Platform } from '../../../src/ids/index.ts';
import type { PlatformConnector } from '../../../src/platforms/connector.ts';
import { CONNECTORS, isRetryable, requireSynced, syncedPlatforms } from '../../../src/platforms/registry.ts';

/** A connector that is only ever listed, never opened. */
function listedOnly(platform: Platform): PlatformConnector {
  return { platform, open: () => Promise.reject(new Error('not opened in a unit test')), isRetryable: () => false };
}

function refusal(work: () => void): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('the connector registry', () => {
  it('lists each connector under its own platform key, at most one per key', () => {
    const entries = Object.entries(CONNECTORS);
    expect(entries.length).toBeGreaterThan(0);
    for (const [key, connector] of entries) {
      expect(isPlatform(key)).toBe(true);
      expect(connector.platform).toBe(key);
    }
    expect(new Set(entries.map(([, connector]) => connector)).size).toBe(entries.length);
  });

  it('synced = enabled in PLATFORMS and has a connector, in the configuration’s order', () => {
    const enabled = fc.uniqueArray(fc.constantFrom(...PLATFORMS));
    const connected = fc.subarray([...PLATFORMS]);
    fc.assert(
      fc.property(enabled, connected, (platforms, withConnector) => {
        const connectors = Object.fromEntries(withConnector.map((platform) => [platform, listedOnly(platform)]));
        const synced = syncedPlatforms({ platforms }, connectors);
        for (const platform of PLATFORMS) expect(synced.includes(platform)).toBe(platforms.includes(platform) && withConnector.includes(platform));
        expect(synced).toEqual(platforms.filter((platform) => synced.includes(platform)));
      }),
    );
  });

  it('never syncs an enabled platform that has no connector', () => {
    const synced = syncedPlatforms({ platforms: PLATFORMS });
    for (const platform of PLATFORMS) expect(synced.includes(platform)).toBe(CONNECTORS[platform] !== undefined);
  });

  it('refuses an unsynced platform with IDSYNC_ERR_PLATFORM_NOT_SYNCED, whether disabled or without a connector', () => {
    const connected = PLATFORMS.filter((platform) => CONNECTORS[platform] !== undefined);
    const [first, ...others] = connected;
    if (first === undefined) throw new Error('the registry lists no connector');
    const cases: Array<[readonly Platform[], readonly Platform[]]> = [
      [[first], others],
      [PLATFORMS, PLATFORMS.filter((platform) => CONNECTORS[platform] === undefined)],
    ];
    for (const [platforms, asked] of cases.filter(([, asked]) => asked.length > 0)) {
      const error = refusal(() => requireSynced({ platforms }, asked));
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).code).toBe('IDSYNC_ERR_PLATFORM_NOT_SYNCED');
    }
    expect(refusal(() => requireSynced({ platforms: PLATFORMS }, connected))).toBeUndefined();
    expect(refusal(() => requireSynced({ platforms: [] }, []))).toBeUndefined();
  });

  it('retries what any connector’s driver would retry, and nothing else', () => {
    expect(isRetryable(new MongoNetworkError('socket closed'))).toBe(true);
    expect(isRetryable(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetryable(new MongoServerError({ message: 'duplicate key', code: 11000 }))).toBe(false);
    expect(isRetryable(new Error('a bug'))).toBe(false);
  });
});
