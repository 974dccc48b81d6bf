import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdsyncError } from '../../../src/errors.ts';
import { PLATFORMS } from '../../../src/ids/index.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { partsOf } from '../../../src/platforms/connector.ts';
import { CONNECTORS, openSyncedPlatforms } from '../../../src/platforms/registry.ts';
import { describeSources } from '../../../src/watchers/sources.ts';
import { closedPort } from '../../support/idsync-process.ts';
import { uniqueName } from '../../support/names.ts';
import { createTemporaryDatabase, testConfig } from '../../support/services.ts';
import type { TemporaryDatabase } from '../../support/services.ts';

const logger = createLogger({ level: 'silent' });
const options = { connectTimeoutMs: 2_000, logger };
/** Enabled in a configuration, never opened: no connector knows them. */
const UNCONNECTED = PLATFORMS.filter((platform) => CONNECTORS[platform] === undefined);

describe('openSyncedPlatforms, on the real services', () => {
  let bookmaster: TemporaryDatabase;
  // Opening only pings MongoDB: these databases are never created.
  const mongoUrl = (name: string) => `mongodb://127.0.0.1:27017/${uniqueName(name)}?directConnection=true`;

  beforeEach(async () => {
    bookmaster = await createTemporaryDatabase('bookmaster');
  });

  afterEach(async () => {
    await bookmaster.drop();
  });

  it('opens the synced platforms and no other, each with its adapter and watch, and closes them (twice is harmless)', async () => {
    const platforms = ['crm', ...UNCONNECTED, 'bookmaster'].join(',');
    const config = testConfig({ PLATFORMS: platforms, CRM_MONGO_URL: mongoUrl('trackmaster'), BOOKMASTER_DB_URL: bookmaster.url });
    const opened = await openSyncedPlatforms(config, options);

    expect(Object.keys(opened.platforms)).toEqual(['crm', 'bookmaster']);
    expect(opened.dependencies.map((dependency) => dependency.name)).toEqual(['crm', 'bookmaster']);
    expect(Object.keys(partsOf(opened.platforms, 'adapter'))).toEqual(['crm', 'bookmaster']);
    // The watchers watch only the synced platforms: what the open platforms ask for.
    const watch = Object.values(opened.platforms).flatMap((open) => open.watch);
    expect(describeSources(watch, config).map((watched) => watched.source.name)).toEqual(['crm.User', 'crm.Client', 'bookmaster.users']);

    // Bookmaster's development schema is its connector's to create: without it the scan would fail.
    await opened.platforms.bookmaster?.prepareDev?.();
    const scanned = [];
    for await (const batch of opened.platforms.bookmaster?.adapter.scan() ?? []) scanned.push(...batch);
    expect(scanned).toEqual([]);

    await opened.close();
    await opened.close();
    for (const dependency of opened.dependencies) await expect(dependency.check()).rejects.toThrow();
  });

  it('throws the unreachable platform’s ServiceUnreachableError, naming it', async () => {
    const port = await closedPort();
    const config = testConfig({ PLATFORMS: 'crm,bookmaster', CRM_MONGO_URL: mongoUrl('trackmaster'), BOOKMASTER_DB_URL: `postgres://postgres:postgres@127.0.0.1:${port}/bookmaster` });
    const failure = await openSyncedPlatforms(config, options).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failure as IdsyncError).code).toBe('IDSYNC_ERR_SERVICE_UNREACHABLE');
    expect((failure as { service?: string }).service).toBe('bookmaster');
  });
});
