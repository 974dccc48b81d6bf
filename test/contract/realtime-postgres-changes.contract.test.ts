import type { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCrmAdapter } from '../../src/platforms/crm/crm-adapter.ts';
import { supabaseWatch } from '../../src/platforms/supabase/supabase-watch.ts';
import { startWatchers } from '../../src/watchers/start-watchers.ts';
import type { WatcherRunner } from '../../src/watchers/start-watchers.ts';
import { openTestMongo } from '../support/platform-fixtures.ts';
import type { TestMongo } from '../support/platform-fixtures.ts';
import { insertCrmUser } from '../support/platform-seeders.ts';
import { loadExchange, startRecordedPeer } from '../support/realtime-recorded-peer.ts';
import type { Frame, RecordedPeer } from '../support/realtime-recorded-peer.ts';
import { testConfig } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';
import { createWatcherFixture } from '../support/watcher-fixture.ts';
import type { WatcherFixture } from '../support/watcher-fixture.ts';

/*
 * CONTRACT TEST against a recorded protocol exchange, not against a Realtime server: none can run
 * on these machines. The far end replays test/contract/fixtures/realtime-auth-users
 * .exchange.json (its provenance is in the file) and reports every frame in which supabase-js,
 * driven by idsync's Realtime watcher, departs from the recording. Redis, BullMQ and MongoDB are
 * the real local services.
 */

const RECORDING = loadExchange(new URL('./fixtures/realtime-auth-users.exchange.json', import.meta.url));
const SERVICE_ROLE_KEY = 'contract-test-service-role-key';
const SOURCE = 'supabase.auth.users';
const TOPIC = 'realtime:idsync:supabase.auth.users';
/** The ids the recording's INSERT, UPDATE and DELETE name. */
const INSERTED = '5f0c1f2a-8d1e-4c57-9a43-2b7e1c0d9e61';
const UPDATED = '0b1d6a3e-2c4f-4e8a-b5d7-9f1e3a5c7b90';
const DELETED = 'c3a9e7d1-4b2f-4f6e-8d0c-1a2b3c4d5e6f';
/** What the recording's rows carry that must never reach a log. */
const RECORDED_SECRETS = ['$2a$10$recorded', 'ada.inserted@example.com', 'grace.updated@example.com', SERVICE_ROLE_KEY];

describe('contract (recorded exchange): the Realtime watcher speaks postgres_changes on auth.users', () => {
  let fixture: WatcherFixture;
  let crm: TestMongo;
  let peer: RecordedPeer;
  let runner: WatcherRunner | undefined;

  beforeEach(async () => {
    fixture = await createWatcherFixture();
    crm = await openTestMongo('trackmaster');
    peer = await startRecordedPeer(RECORDING, { '<service-role-key>': SERVICE_ROLE_KEY });
  });

  afterEach(async () => {
    await runner?.close();
    runner = undefined;
    await peer.close();
    await crm.drop();
    await fixture.dispose();
  });

  const start = () => {
    const config = testConfig({
      QUEUE_PREFIX: fixture.prefix,
      PLATFORMS: 'crm,supabase',
      SUPABASE_WATCH: 'realtime',
      SUPABASE_URL: peer.url,
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
      CONNECT_TIMEOUT_MS: '2000',
    });
    // Only Redis is given: the Realtime source needs no database connection of its own.
    const watch = supabaseWatch(config.supabase, undefined, fixture.logger);
    runner = startWatchers({ config, dependencies: { redis: { client: fixture.redis } }, watch, adapters: { crm: createCrmAdapter(crm.db) }, links: fixture.links(), logger: fixture.logger, queues: fixture.queues, backoffMs: 50 });
    return runner;
  };

  const backfills = async () => {
    const jobs: Job[] = await fixture.queues.byName.maintenance.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
    return jobs.filter((job) => job.name === 'backfill').map((job) => job.data as { platforms: string[]; trigger: { source: string; position: string } });
  };
  const jobFor = (platform: string, id: string) => async () => (await fixture.jobs()).find((job) => job.platform === platform && job.id === id);

  it('keeps to the recording: join, a backfill once listening, one job per change, then leave', async () => {
    const claimer = await insertCrmUser(crm.db, { supabaseId: DELETED, externalIds: { supabase: DELETED } });
    await fixture.indexStores({ crm: createCrmAdapter(crm.db) });
    expect(start().sources).toEqual([SOURCE]);

    await fixture.waitForLog('watching', { source: SOURCE });
    expect(peer.requests[0]?.pathname).toBe('/realtime/v1/websocket');
    const [gap] = await waitFor('the backfill of the window before listening', async () => ((await backfills()).length === 1 ? backfills() : undefined));
    expect(gap).toMatchObject({ platforms: ['supabase'], trigger: { type: 'change-event', source: SOURCE } });
    expect(gap?.trigger.position).toMatch(/^subscribed:\d{4}-/);

    const inserted = await waitFor('the INSERT reconcile', jobFor('supabase', INSERTED));
    expect(inserted).toMatchObject({ name: 'user', trigger: { type: 'change-event', source: SOURCE, position: 'commit:2026-11-24T09:30:01.412Z' } });
    await waitFor('the UPDATE reconcile', jobFor('supabase', UPDATED));
    // A deleted user has nothing left to reconcile; the CRM user that claimed it has a reference to clean.
    const claimerJob = await waitFor('the reconcile of the DELETE claimer', jobFor('crm', claimer));
    expect(claimerJob.trigger.position).toBe('commit:2026-11-24T09:30:03.550Z');
    expect((await fixture.jobs()).some((job) => job.id === DELETED)).toBe(false);

    await runner?.close();
    expect(peer.progress).toEqual([2]);
    expect(peer.mismatches).toEqual([]);
    const logged = JSON.stringify(fixture.logs);
    for (const secret of RECORDED_SECRETS) expect(logged).not.toContain(secret);
  });

  it('changes outside the recording: a malformed id is skipped, a change that names no row is backfilled', async () => {
    start();
    await fixture.waitForLog('watching', { source: SOURCE });
    await waitFor('the first backfill', async () => (await backfills()).length === 1);

    peer.push(change({ type: 'INSERT', record: { id: { $ne: null } } }));
    peer.push(change({ type: 'UPDATE', record: { id: 'crm_not-a-uuid' }, old_record: { id: 'crm_not-a-uuid' } }));
    await waitFor('both malformed ids to be skipped', () => fixture.logs.filter((entry) => entry.msg === 'change event names a malformed id; skipped').length === 2);
    expect(fixture.logs.filter((entry) => entry.reason !== undefined).map((entry) => entry.reason)).toEqual(['not-a-string', 'bad-format']);

    // Realtime sends `errors` instead of a row it could not deliver (over its size limit).
    peer.push(change({ type: 'UPDATE', errors: ['Error 413: Payload Too Large'] }));
    const unnamed = await waitFor('the backfill for the unnamed change', async () => (await backfills()).find((job) => job.trigger.position.startsWith('commit:')));
    expect(unnamed).toMatchObject({ platforms: ['supabase'], trigger: { position: 'commit:2026-11-24T10:00:00.000Z' } });
    // Only the recording's own INSERT and UPDATE became reconciles (its DELETE has no claimer here).
    expect((await fixture.jobs()).map((job) => job.id).sort()).toEqual([INSERTED, UPDATED].sort());
    expect(JSON.stringify(fixture.logs)).not.toContain('crm_not-a-uuid');
  });

  it('a dropped connection or a refused listener: the watcher fails with IDSYNC_ERR_REALTIME_CHANNEL, joins again and backfills again', async () => {
    start();
    await waitFor('the first backfill', async () => (await backfills()).length === 1);

    peer.dropConnections();
    await waitFor('a second join and its backfill', async () => peer.requests.length === 2 && (await backfills()).length === 2);
    expect(fixture.logs.some((entry) => entry.msg === 'watcher failed; retrying' && (entry.err as { code?: string }).code === 'IDSYNC_ERR_REALTIME_CHANNEL')).toBe(true);

    peer.push([null, null, TOPIC, 'system', { channel: 'idsync:supabase.auth.users', extension: 'postgres_changes', message: 'Unable to subscribe to changes', status: 'error' }]);
    await waitFor('a third join and its backfill', async () => peer.requests.length === 3 && (await backfills()).length === 3, { timeoutMs: 15_000 });
    expect(peer.mismatches).toEqual([]);
  });
});

/** A postgres_changes frame for the recorded subscription, as the server would push it. */
function change(data: Record<string, unknown>): Frame {
  return [null, null, TOPIC, 'postgres_changes', { ids: [31339675], data: { schema: 'auth', table: 'users', commit_timestamp: '2026-11-24T10:00:00.000Z', errors: null, columns: [], ...data } }];
}
