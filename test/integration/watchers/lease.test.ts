import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLease, leaseKey } from '../../../src/watchers/lease.ts';
import { runAsLeader } from '../../../src/watchers/leadership.ts';
import { createWatcherFixture } from '../../support/watcher-fixture.ts';
import type { WatcherFixture } from '../../support/watcher-fixture.ts';
import { waitFor } from '../../support/wait-for.ts';

describe('the leader lease in Redis', () => {
  let fixture: WatcherFixture;

  beforeEach(async () => {
    fixture = await createWatcherFixture();
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  const leaseOf = (owner: string, leaseMs = 5_000) => createLease(fixture.redis, leaseKey(fixture.prefix, 'crm.User'), { owner, leaseMs });

  it('is held by one owner at a time; only the holder renews or releases it', async () => {
    const first = leaseOf('first');
    const second = leaseOf('second');
    expect(await first.tryAcquire()).toBe(true);
    expect(await second.tryAcquire()).toBe(false);
    expect(await second.renew()).toBe(false);
    expect(await second.release()).toBe(false);
    expect(await fixture.redis.get(first.key)).toBe('first');
    // Acquiring again while holding it extends it.
    expect(await first.tryAcquire()).toBe(true);
    expect(await first.renew()).toBe(true);
    expect(await first.remainingMs()).toBeGreaterThan(4_000);
    expect(await first.release()).toBe(true);
    expect(await second.tryAcquire()).toBe(true);
  });

  it('expires without renewal, after which another owner takes it and the old one cannot renew', async () => {
    const first = leaseOf('first', 1_000);
    const second = leaseOf('second', 1_000);
    expect(await first.tryAcquire()).toBe(true);
    await waitFor('the lease to expire', async () => (await second.tryAcquire()) || undefined, { timeoutMs: 3_000 });
    expect(await first.renew()).toBe(false);
    expect(await first.release()).toBe(false);
    expect(await fixture.redis.get(second.key)).toBe('second');
  });

  it('fences the checkpoint: a process that lost its lease cannot move it', async () => {
    const first = leaseOf('first', 1_000);
    const second = leaseOf('second', 1_000);
    expect(await first.tryAcquire()).toBe(true);
    expect(await fixture.checkpoints.save('crm.User', 'position-1', first)).toBe(true);
    await waitFor('the lease to pass to the second owner', async () => (await second.tryAcquire()) || undefined, { timeoutMs: 3_000 });
    expect(await fixture.checkpoints.save('crm.User', 'stale-position', first)).toBe(false);
    expect(await fixture.checkpoints.load('crm.User')).toBe('position-1');
    expect(await fixture.checkpoints.save('crm.User', 'position-2', second)).toBe(true);
    expect(await fixture.checkpoints.load('crm.User')).toBe('position-2');
  });

  it('runs the work of exactly one of two contenders; the other takes over when the holder stops', async () => {
    const running: string[] = [];
    const work = (name: string) => async (signal: AbortSignal) => {
      running.push(name);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      running.splice(running.indexOf(name), 1);
    };
    const stopFirst = new AbortController();
    const stopSecond = new AbortController();
    const options = (owner: string) => ({ source: 'crm.User', lease: leaseOf(owner, 1_500), logger: fixture.logger });
    const first = runAsLeader(work('first'), options('first'), stopFirst.signal);
    await waitFor('the first to lead', () => running.includes('first'));
    const second = runAsLeader(work('second'), options('second'), stopSecond.signal);
    await fixture.waitForLog('watcher standing by');
    expect(running).toEqual(['first']);

    const stoppedAt = Date.now();
    stopFirst.abort();
    await first;
    // A stopping holder releases its lease: the standby need not wait for it to expire.
    await waitFor('the second to lead', () => running.includes('second'), { timeoutMs: 3_000 });
    expect(running).toEqual(['second']);
    expect(Date.now() - stoppedAt).toBeLessThan(1_500);
    stopSecond.abort();
    await second;
    expect(await fixture.redis.exists(leaseKey(fixture.prefix, 'crm.User'))).toBe(0);
  });

  it('stops the work when a renewal finds the lease taken by another', async () => {
    const lease = leaseOf('first', 1_500);
    let aborted = false;
    const stop = new AbortController();
    const run = runAsLeader(
      async (signal) => {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted = true;
        stop.abort();
      },
      { source: 'crm.User', lease, logger: fixture.logger },
      stop.signal,
    );
    await fixture.waitForLog('watcher leading');
    // Another process took the key (as it would after an expiry this one missed).
    await fixture.redis.set(lease.key, 'intruder', 'PX', 10_000);
    await fixture.waitForLog('watcher lost its lease', {}, 3_000);
    await run;
    expect(aborted).toBe(true);
    expect(await fixture.redis.get(lease.key)).toBe('intruder');
  });
});
