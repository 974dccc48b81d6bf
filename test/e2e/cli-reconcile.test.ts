import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { newPerson } from '../support/e2e-stores.ts';
import { e2eWorkersEach } from '../support/e2e-workers.ts';
import { runIdsync } from '../support/idsync-process.ts';
import { testConfig } from '../support/services.ts';

const SUPABASE_ID = '7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b';

/** How many reconcile jobs wait under the test's queue prefix. */
async function reconcileJobs(prefix: string): Promise<number> {
  const connection = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue('reconcile', { connection, prefix });
  try {
    return await queue.count();
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

describe('idsync reconcile', () => {
  const each = e2eWorkersEach();

  it('enqueues one person, waits for the worker and prints the outcome as JSON', async () => {
    // Written before the workers start, whose first start indexes what the systems hold: nothing
    // watches the stores here, so nothing else would tell idsync of the twins.
    const person = newPerson();
    await each.stores().writePeople([person]);
    await each.startWorkers();

    const cli = runIdsync(['reconcile', `crm:${person.crm.toUpperCase()}`, '--wait', '--json'], each.stores().env);
    expect(await cli.exited).toBe(0);
    const printed = cli.logs.at(-1) as { key: unknown; outcome: { members: unknown; writes: number } };
    expect(printed.key).toEqual({ platform: 'crm', id: person.crm });
    expect(printed.outcome).toMatchObject({ members: { crm: person.crm, omnistack: person.omnistack, bookmaster: person.bookmaster }, writes: 3 });
    expect(await each.stores().countLinked([person])).toBe(1);
  });

  it('with --wait and no worker running, says what it waits for, then gives up after --timeout with IDSYNC_ERR_WAIT_TIMEOUT; the job stays queued', async () => {
    const person = newPerson();
    await each.stores().writePeople([person], ['crm']);
    const { env } = each.stores();
    const cli = runIdsync(['reconcile', `crm:${person.crm}`, '--wait', '--timeout', '1'], env);
    expect(await cli.exited).toBe(1);
    const [waiting, gaveUp, ...rest] = cli.stderr().trim().split('\n');
    expect(rest).toEqual([]);
    expect(waiting).toContain(`crm:${person.crm}`);
    expect(gaveUp).toContain('[IDSYNC_ERR_WAIT_TIMEOUT]');
    expect(gaveUp).toContain(`crm:${person.crm}`);
    expect(cli.logs).toEqual([]);
    expect(await reconcileJobs(env.QUEUE_PREFIX ?? '')).toBe(1);
  });

  it('exits 2 on a --timeout that is no number, before connecting to anything', async () => {
    const cli = runIdsync(['reconcile', 'crm:65f0c0ffee0000000000beef', '--wait', '--timeout', 'soon'], each.stores().env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('[IDSYNC_ERR_USAGE]');
    expect(await reconcileJobs(each.stores().env.QUEUE_PREFIX ?? '')).toBe(0);
  });

  it.each([
    ['a malformed id', 'crm:{"$ne":null}', 'IDSYNC_ERR_INVALID_ID'],
    ['an unknown platform', 'salesforce:65f0c0ffee0000000000beef', 'IDSYNC_ERR_UNKNOWN_PLATFORM'],
    ['no platform at all', '65f0c0ffee0000000000beef', 'IDSYNC_ERR_INVALID_ID'],
  ])('exits 2 on %s, before connecting to anything', async (_case, key, code) => {
    const cli = runIdsync(['reconcile', key], each.stores().env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(code);
    expect(cli.logs).toEqual([]);
  });

  it('exits 1 with IDSYNC_ERR_NOT_FOUND for a record that exists in no store, enqueuing nothing', async () => {
    const { env } = each.stores();
    const cli = runIdsync(['reconcile', `crm:${newPerson().crm}`, '--wait'], env);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('IDSYNC_ERR_NOT_FOUND');
    expect(cli.logs).toEqual([]);
    expect(await reconcileJobs(env.QUEUE_PREFIX ?? '')).toBe(0);
  });

  it('exits 2 with IDSYNC_ERR_PLATFORM_NOT_SYNCED for a platform that is not in PLATFORMS, as the API and backfill do, enqueuing nothing', async () => {
    const { env } = each.stores();
    const cli = runIdsync(['reconcile', `supabase:${SUPABASE_ID}`], { ...env, PLATFORMS: 'crm,omnistack,bookmaster' });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('IDSYNC_ERR_PLATFORM_NOT_SYNCED');
    expect(cli.logs).toEqual([]);
    expect(await reconcileJobs(env.QUEUE_PREFIX ?? '')).toBe(0);
  });
});
