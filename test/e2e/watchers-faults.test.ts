import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { leaseKey } from '../../src/watchers/lease.ts';
import { createE2eStores, logsOf, newPerson, observeQuiet, WATCHED_SOURCES, waitForWatching } from '../support/e2e-stores.ts';
import type { E2eStores } from '../support/e2e-stores.ts';
import { runIdsync } from '../support/idsync-process.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { testConfig } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

/** Short leases, so that a restart after SIGKILL (the lease outlives its holder) and a handover are quick. */
const LEASE_MS = 2_000;
const FAST = { WATCH_LEASE_MS: String(LEASE_MS), CHECKPOINT_INTERVAL_MS: '500' };
const PEOPLE = 500;
const CHUNK = 50;

describe('idsync watchers under faults (SIGKILL, restarts, two watcher processes)', () => {
  let stores: E2eStores | undefined;
  const processes: IdsyncProcess[] = [];

  const start = (role: 'all' | 'watchers' | 'workers') => {
    if (!stores) throw new Error('no stores');
    const process = runIdsync(['start', '--role', role], stores.env);
    processes.push(process);
    return process;
  };

  afterEach(async () => {
    for (const process of processes.splice(0)) await process.stop('SIGKILL');
    await stores?.dispose();
    stores = undefined;
  });

  it('links writes made while it was down: Mongo writes after a kill before any event, then a Bookmaster row kept by the slot', async () => {
    stores = await createE2eStores(FAST);
    const first = start('all');
    await waitForWatching(first);
    expect(await first.stop('SIGKILL')).toBe(null);

    // Killed before any event: the streams' only checkpoints are the ones saved when they started.
    const person = newPerson();
    await stores.writePeople([person], ['crm', 'omnistack']);
    const restartedAt = Date.now();
    const second = start('all');
    await waitFor('the CRM and OmniStack users written while idsync was down to be linked', async () => (await stores?.countLinked([person], ['crm', 'omnistack'])) === 1, {
      timeoutMs: 20_000,
    });
    console.info(`[measure] linked ${Date.now() - restartedAt} ms after the restart (a lease of ${LEASE_MS} ms left by the killed process)`);
    expect(logsOf(second, 'watching').filter((entry) => entry.from === 'checkpoint')).toHaveLength(4);
    // The link came from the replayed inserts, not from a backfill of the collection.
    await expectLinkedByTheReplay(second);

    // Settled (the echo of idsync's own writes handled and checkpointed), then killed again.
    expect((await observeQuiet(stores, 3_000)).writes).toBe(0);
    expect(await second.stop('SIGKILL')).toBe(null);
    await stores.writePeople([person], ['bookmaster']);
    const third = start('all');
    await waitFor('the Bookmaster user created while idsync was down to be linked', async () => (await stores?.countLinked([person])) === 1, { timeoutMs: 20_000 });
    // Only the replication slot held that change: nothing in MongoDB had happened since the checkpoints.
    await expectLinkedByTheReplay(third);
  }, 90_000);

  it(`links all ${PEOPLE} people written while the watcher process is SIGKILLed and restarted`, async () => {
    stores = await createE2eStores(FAST);
    const workers = start('workers');
    const watcher = start('watchers');
    await waitForWatching(watcher);
    const people = Array.from({ length: PEOPLE }, () => newPerson());
    const writtenAt = Date.now();
    let killedAfter = 0;
    for (let offset = 0; offset < PEOPLE; offset += CHUNK) {
      await stores.writePeople(people.slice(offset, offset + CHUNK));
      // Killed mid-stream, with events read but perhaps not yet enqueued or checkpointed.
      if (offset === 2 * CHUNK) {
        watcher.child.kill('SIGKILL');
        killedAfter = offset + CHUNK;
      }
    }
    expect(await watcher.exited).toBe(null);
    const restarted = start('watchers');
    await waitForWatching(restarted);
    const linked = await waitFor(`all ${PEOPLE} people to be linked`, async () => {
      const count = (await stores?.countLinked(people)) ?? 0;
      return count === PEOPLE ? count : undefined;
    }, { timeoutMs: 150_000, intervalMs: 500 });
    const reconciles = logsOf(workers, 'reconciled');
    console.info(
      `[measure] ${linked} people (killed after ${killedAfter} were written) linked ${Date.now() - writtenAt} ms after the writes began;` +
        ` ${reconciles.length} reconciles, ${reconciles.filter((entry) => Number(entry.writes) > 0).length} of them writing`,
    );
  }, 240_000);

  it('lets exactly one of two watcher processes consume each source, and hands over when it is killed', async () => {
    stores = await createE2eStores(FAST);
    start('workers');
    const leader = start('watchers');
    await waitForWatching(leader);
    const standby = start('watchers');
    await waitFor('the second process to stand by for every source', () => logsOf(standby, 'watcher standing by').length === WATCHED_SOURCES.length);
    expect(logsOf(standby, 'watching')).toEqual([]);
    const leaderOwner = logsOf(leader, 'watchers started')[0]?.owner;
    for (const source of WATCHED_SOURCES) {
      expect(await leaseHolder(stores, source)).toBe(leaderOwner);
    }
    const before = newPerson();
    await stores.writePeople([before]);
    await waitFor('a person written under the first leader to be linked', async () => (await stores?.countLinked([before])) === 1, { timeoutMs: 15_000 });

    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await waitFor('the standby to lead every source', () => logsOf(standby, 'watcher leading').length === WATCHED_SOURCES.length, { timeoutMs: LEASE_MS * 3 });
    const leadingMs = Date.now() - killedAt;
    await waitForWatching(standby, LEASE_MS * 5);
    const watchingMs = Date.now() - killedAt;
    console.info(`[measure] handover after SIGKILL: leases taken in ${leadingMs} ms, every source consumed in ${watchingMs} ms (lease ${LEASE_MS} ms)`);
    // Within the lease time of the dead holder's last renewal, plus the standby's polling and a loaded machine's slack.
    expect(leadingMs).toBeLessThan(LEASE_MS + 1_000);

    const after = newPerson();
    await stores.writePeople([after]);
    await waitFor('a person written after the handover to be linked', async () => (await stores?.countLinked([after])) === 1, { timeoutMs: 15_000 });
  }, 90_000);
});

async function leaseHolder(stores: E2eStores, source: string): Promise<string | null> {
  const redis = new Redis(testConfig().redis.url);
  try {
    return await redis.get(leaseKey(stores.env.QUEUE_PREFIX ?? '', source));
  } finally {
    redis.disconnect();
  }
}

/**
 * The person was linked by the replayed change events: the first reconcile that wrote was a job of
 * the watchers' own lane ('changed'), and the watchers backfilled no collection (a backfill, in
 * the bulk lane, would link them too).
 */
async function expectLinkedByTheReplay(process: IdsyncProcess): Promise<void> {
  const linking = await waitFor('the reconcile that linked', () => logsOf(process, 'reconciled').find((entry) => Number(entry.writes) > 0));
  expect(linking.lane).toBe('changed');
  expect(logsOf(process, 'backfill enqueued')).toEqual([]);
}
