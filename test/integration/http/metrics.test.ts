import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkers } from '../../../src/jobs/worker-runner.ts';
import { startHttpServer } from '../../../src/http/server.ts';
import type { HttpServer } from '../../../src/http/server.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { createMetrics, METRIC_NAMES } from '../../../src/metrics/metrics.ts';
import { flatCounts } from '../../../src/metrics/collectors.ts';
import { observeWorkers } from '../../../src/metrics/observe.ts';
import { createQueues } from '../../../src/queues/queues.ts';
import { createLedgerFixture } from '../../support/ledger-fixture.ts';
import { uniqueName } from '../../support/names.ts';
import { testConfig } from '../../support/services.ts';
import { testCredentials } from '../../support/http-fixture.ts';
import { createPipelineFixture } from '../../support/pipeline-fixture.ts';
import type { PipelineFixture } from '../../support/pipeline-fixture.ts';
import { insertBookmasterUser, insertCrmUser, uniqueEmail } from '../../support/platform-seeders.ts';
import { waitFor } from '../../support/wait-for.ts';
import { parseSamples, total } from '../../support/prometheus.ts';

describe('/metrics after a run through the pipeline', () => {
  let fixture: PipelineFixture | undefined;
  let server: HttpServer | undefined;

  afterEach(async () => {
    await server?.close();
    await fixture?.dispose();
  });

  it('shows every documented metric with non-zero values', async () => {
    const metrics = createMetrics();
    fixture = await createPipelineFixture({ metrics });
    const credentials = testCredentials();
    server = await startHttpServer({
      port: 0,
      logger: createLogger({ level: 'silent' }),
      dependencies: [],
      healthTimeoutMs: 1_000,
      operator: { credentials, queues: fixture.queues, ledgerPool: fixture.ledger.connection.pool, metrics, platforms: fixture.platforms },
    });

    // A watcher's part: count the event, then enqueue the record it names with its change trigger.
    const email = uniqueEmail('metrics');
    const crm = await insertCrmUser(fixture.crm, { email });
    await insertBookmasterUser(fixture.bookmaster, { email });
    // The Bookmaster user's own reconcile would have indexed it.
    await fixture.indexStores();
    metrics.changeEventReceived('crm.User');
    metrics.changeEventSettled('omnistack.users');
    const jobId = await fixture.queues.enqueueReconcile({ platform: 'crm', id: crm }, { type: 'change-event', source: 'crm.User', position: '{"_data":"8263"}' });
    const reconcile = fixture.queues.byName.reconcile;
    await waitFor('the change-event job to complete', async () => (await reconcile.getJobState(jobId ?? '')) === 'completed', { timeoutMs: 20_000 });
    // The worker counts a job on its 'completed'/'failed' event, just after the job changes state.
    const counted = async (outcome: string) => total(parseSamples(await metrics.registry.metrics()), METRIC_NAMES.jobs, { queue: 'reconcile', outcome }) > 0;
    await waitFor('the completed job to be counted', () => counted('completed'));
    // A job whose payload is invalid fails at once (and stays in the failed set).
    const bad = await reconcile.add('user', { platform: 'crm', id: 'nope', trigger: { type: 'command', via: 'api' } });
    await waitFor('the invalid job to fail', async () => (await reconcile.getJobState(bad.id ?? '')) === 'failed', { timeoutMs: 20_000 });
    await waitFor('the failed job to be counted', () => counted('failed'));
    // The audit's part: a completed run in the ledger, with the counts the audit processor keeps.
    const counts = { people: 3, consistent: 2, inconsistent: 1, issues: { orphan: 1, missing: 0 }, records: { crm: 3 } };
    await fixture.ledger.connection.pool.query(
      `insert into audit_runs (id, kind, trigger, status, counts, finished_at) values ('audit-metrics-test', 'audit', '{"type":"command","via":"api"}', 'completed', $1::jsonb, now())`,
      [JSON.stringify(counts)],
    );

    const response = await fetch(`${server.address}/metrics`, { headers: { authorization: `Bearer ${credentials.apiToken}` } });
    expect(response.status).toBe(200);
    const samples = parseSamples(await response.text());
    expect(total(samples, METRIC_NAMES.changeEvents, { source: 'crm.User' })).toBe(1);
    expect(total(samples, METRIC_NAMES.settledChanges, { source: 'omnistack.users' })).toBe(1);
    expect(total(samples, METRIC_NAMES.jobs, { queue: 'reconcile', outcome: 'completed' })).toBe(1);
    expect(total(samples, METRIC_NAMES.jobs, { queue: 'reconcile', outcome: 'failed' })).toBe(1);
    expect(total(samples, METRIC_NAMES.platformWrites, { platform: 'crm', outcome: 'written' })).toBe(1);
    expect(total(samples, METRIC_NAMES.platformWrites, { platform: 'bookmaster', outcome: 'written' })).toBe(1);
    expect(total(samples, `${METRIC_NAMES.changeToConsistent}_count`, { platform: 'crm' })).toBe(1);
    expect(total(samples, `${METRIC_NAMES.changeToConsistent}_sum`, { platform: 'crm' })).toBeGreaterThan(0);
    expect(total(samples, METRIC_NAMES.queueJobs, { queue: 'reconcile', state: 'failed' })).toBe(1);
    expect(total(samples, METRIC_NAMES.queueJobs, { queue: 'reconcile', state: 'completed' })).toBe(1);
    for (const [name, value] of flatCounts(counts)) expect(total(samples, METRIC_NAMES.lastAuditCount, { name })).toBe(value);
    expect(total(samples, METRIC_NAMES.lastAuditFinished)).toBeGreaterThan(Date.now() / 1_000 - 60);
    expect(total(samples, 'idsync_process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});

describe('job outcomes', () => {
  it('counts an attempt that will run again as retried, and the last one as failed', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const redis = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
    const prefix = uniqueName('outcomes');
    const queues = createQueues({ connection: redis, prefix, attempts: 3, backoffMs: 1 });
    const ledger = await createLedgerFixture();
    const workers = startWorkers({ propagate: async () => Promise.reject(new Error('store did not answer')) }, ledger.ledger, createLogger({ level: 'silent' }), { connection: redis, prefix });
    const stop = observeWorkers(workers.workers, metrics);
    try {
      const job = await queues.byName.propagate.add('profile', {});
      await waitFor('the job to fail for good', async () => (await job.getState()) === 'failed', { timeoutMs: 20_000 });
      const samples = await waitFor('the last attempt to be counted', async () => {
        const current = parseSamples(await metrics.registry.metrics());
        return total(current, METRIC_NAMES.jobs, { queue: 'propagate', outcome: 'failed' }) > 0 ? current : undefined;
      });
      expect(total(samples, METRIC_NAMES.jobs, { queue: 'propagate', outcome: 'retried' })).toBe(2);
      expect(total(samples, METRIC_NAMES.jobs, { queue: 'propagate', outcome: 'failed' })).toBe(1);
    } finally {
      stop();
      await workers.close();
      for (const queue of Object.values(queues.byName)) await queue.obliterate({ force: true });
      await queues.close();
      await redis.quit();
      await ledger.dispose();
    }
  });
});
