import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBookmasterAdapter } from '../../../src/platforms/bookmaster/bookmaster-adapter.ts';
import { bookmasterWatch } from '../../../src/platforms/bookmaster/bookmaster-connector.ts';
import { createCrmAdapter } from '../../../src/platforms/crm/crm-adapter.ts';
import { crmWatch } from '../../../src/platforms/crm/crm-connector.ts';
import { createOmnistackAdapter } from '../../../src/platforms/omnistack/omnistack-adapter.ts';
import { omnistackWatch } from '../../../src/platforms/omnistack/omnistack-connector.ts';
import { leaseKey } from '../../../src/watchers/lease.ts';
import { startWatchers } from '../../../src/watchers/start-watchers.ts';
import { uniqueName } from '../../support/names.ts';
import { openTestBookmaster, openTestMongo } from '../../support/platform-fixtures.ts';
import type { TestBookmaster, TestMongo } from '../../support/platform-fixtures.ts';
import { insertCrmUser } from '../../support/platform-seeders.ts';
import { testConfig } from '../../support/services.ts';
import { waitFor } from '../../support/wait-for.ts';
import { createWatcherFixture } from '../../support/watcher-fixture.ts';
import type { WatcherFixture } from '../../support/watcher-fixture.ts';

describe('startWatchers', () => {
  let fixture: WatcherFixture;
  let crm: TestMongo;
  let omnistack: TestMongo;
  let bookmaster: TestBookmaster;

  beforeEach(async () => {
    fixture = await createWatcherFixture();
    crm = await openTestMongo('trackmaster');
    omnistack = await openTestMongo('omnistack');
    bookmaster = await openTestBookmaster();
  });

  afterEach(async () => {
    await waitFor('the slot to be released', async () => {
      const { rows } = await bookmaster.pool.query<{ active: boolean }>('select active from pg_replication_slots where database = current_database()');
      return rows.every((row) => !row.active);
    });
    await bookmaster.drop();
    await crm.drop();
    await omnistack.drop();
    await fixture.dispose();
  });

  it('watches every source of the configuration, enqueues what changes, and stops cleanly when closed twice', async () => {
    const config = testConfig({ QUEUE_PREFIX: fixture.prefix, REPLICATION_SLOT_PREFIX: uniqueName('slot'), BOOKMASTER_DB_URL: bookmaster.database.url });
    const runner = startWatchers({
      config,
      dependencies: { redis: { client: fixture.redis } },
      watch: [...crmWatch(crm.db), ...omnistackWatch(omnistack.db), ...bookmasterWatch(bookmaster.database.url, bookmaster.pool)],
      adapters: { crm: createCrmAdapter(crm.db), omnistack: createOmnistackAdapter(omnistack.db), bookmaster: createBookmasterAdapter(bookmaster.pool) },
      links: fixture.links(),
      logger: fixture.logger,
      queues: fixture.queues,
      idlePollMs: 20,
    });
    expect(runner.sources).toEqual(['crm.User', 'crm.Client', 'omnistack.users', 'omnistack.clients', 'bookmaster.users']);
    for (const source of runner.sources) await fixture.waitForLog('watching', { source });
    expect(await fixture.redis.get(leaseKey(fixture.prefix, 'crm.User'))).toBe(runner.owner);

    const id = await insertCrmUser(crm.db);
    await waitFor('the reconcile job', async () => (await fixture.jobs()).some((job) => job.platform === 'crm' && job.id === id));

    await Promise.all([runner.close(), runner.close()]);
    await runner.close();
    expect(fixture.logs.filter((entry) => entry.msg === 'watchers stopped')).toHaveLength(1);
    // Leases are given up on close, so a standby would take over at once.
    for (const source of runner.sources) expect(await fixture.redis.exists(leaseKey(fixture.prefix, source))).toBe(0);
  });
});
