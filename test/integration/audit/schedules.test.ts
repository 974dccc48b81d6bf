import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import { startMaintenance } from '../../../src/jobs/maintenance.ts';
import { ensureSchedules, SCHEDULER_IDS } from '../../../src/jobs/schedules.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { ConfigError } from '../../../src/errors.ts';
import { createQueues } from '../../../src/queues/queues.ts';
import type { Queues } from '../../../src/queues/queues.ts';
import { uniqueName } from '../../support/names.ts';
import { testConfig } from '../../support/services.ts';

describe('ensureSchedules', () => {
  let redis: Redis;
  let prefix: string;
  const opened: Queues[] = [];

  /** A process start: new queue objects on the same Redis prefix. */
  function start(): Queues {
    const queues = createQueues({ connection: redis, prefix });
    opened.push(queues);
    return queues;
  }

  beforeEach(() => {
    redis = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
    prefix = uniqueName('schedules');
  });

  afterEach(async () => {
    await opened[0]?.byName.maintenance.obliterate({ force: true });
    for (const queues of opened.splice(0)) await queues.close();
    await redis.quit();
  });

  it('leaves one audit and one cleanup schedule after any number of restarts', async () => {
    const config = testConfig();
    await ensureSchedules(start(), config);
    await ensureSchedules(start(), config);
    await Promise.all([ensureSchedules(start(), config), ensureSchedules(start(), config)]);
    const maintenance = start().byName.maintenance;
    const schedulers = await maintenance.getJobSchedulers();
    expect(schedulers.map((scheduler) => [scheduler.key, scheduler.pattern, scheduler.tz]).sort()).toEqual([
      [SCHEDULER_IDS.audit, '0 0 * * *', 'UTC'],
      [SCHEDULER_IDS.cleanup, '0 0 1 * *', 'UTC'],
    ]);
    // Each scheduler keeps exactly one upcoming job.
    expect(await maintenance.getDelayedCount()).toBe(2);
    const names = (await maintenance.getDelayed()).map((job) => job.name).sort();
    expect(names).toEqual(['audit', 'cleanup-orphans']);
  });

  it('replaces a schedule whose cron changed instead of adding one', async () => {
    await ensureSchedules(start(), testConfig());
    await ensureSchedules(start(), testConfig({ AUDIT_CRON: '*/15 * * * *' }));
    const schedulers = await start().byName.maintenance.getJobSchedulers();
    expect(schedulers.map((scheduler) => [scheduler.key, scheduler.pattern]).sort()).toEqual([
      [SCHEDULER_IDS.audit, '*/15 * * * *'],
      [SCHEDULER_IDS.cleanup, '0 0 1 * *'],
    ]);
  });

  it('refuses a cron string that does not parse as a config error, writing nothing', async () => {
    const config = testConfig();
    const bad = { policy: { ...config.policy, auditCron: 'every day', cleanupCron: '61 * * * *' } };
    const error = await ensureSchedules(start(), bad).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('IDSYNC_ERR_CONFIG');
    expect((error as ConfigError).problems.map((problem) => problem.split(':')[0])).toEqual(['AUDIT_CRON', 'CLEANUP_CRON']);
    expect(await start().byName.maintenance.getJobSchedulersCount()).toBe(0);
  });

  it('startMaintenance upserts the schedules on every start and returns the maintenance processor', async () => {
    const config = testConfig();
    const options = { adapters: {}, ledgerPool: {} as Pool, logger: createLogger({ level: 'silent' }) };
    await startMaintenance({ ...options, queues: start() }, config);
    const queues = start();
    const second = await startMaintenance({ ...options, queues }, config);
    expect(typeof second.processors.maintenance).toBe('function');
    expect(await queues.byName.maintenance.getJobSchedulersCount()).toBe(2);
  });

  it('is a config error at load time too', () => {
    expect(() => testConfig({ AUDIT_CRON: 'every day' })).toThrow(ConfigError);
  });
});
