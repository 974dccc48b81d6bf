import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReconcileProcessor } from '../../src/jobs/reconcile-processor.ts';
import { startWorkers } from '../../src/jobs/worker-runner.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createHttpFixture } from '../support/http-fixture.ts';
import type { HttpFixture } from '../support/http-fixture.ts';
import { testConfig } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

/** Debian's Chromium, installed by `scripts/services up` (services.d/chromium.sh); never downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts');
const QUEUES = ['reconcile', 'provision', 'propagate', 'maintenance'];
const UI_TIMEOUT_MS = 15_000;

/**
 * A browser test of the operator's dashboard: headless Chromium, driven by playwright-core, logs
 * into Bull Board with basic auth, sees every queue, opens a failed job and retries it. The
 * browser may only reach the server under test: every other host is unresolvable and every
 * request elsewhere (Bull Board asks for web fonts) is aborted.
 */
describe('the dashboard in a browser', () => {
  let fixture: HttpFixture;
  let profile: string;
  const contexts: BrowserContext[] = [];

  beforeEach(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/services up (it installs Debian's chromium)`);
    fixture = await createHttpFixture();
    profile = await mkdtemp(path.join(tmpdir(), 'idsync-chromium-'));
    await mkdir(ARTIFACTS, { recursive: true });
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await fixture?.dispose();
    await rm(profile, { recursive: true, force: true });
  });

  async function browse(credentials?: { username: string; password: string }): Promise<Page> {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
      ...(credentials ? { httpCredentials: credentials } : {}),
    });
    contexts.push(context);
    await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    return page;
  }

  /** A reconcile job that fails for good: its payload is invalid, so the real processor refuses it at once. */
  async function failedJob(): Promise<string> {
    const logger = createLogger({ level: 'silent' });
    const processor = createReconcileProcessor({ adapters: {}, links: fixture.ledger.links, ledger: fixture.ledger.ledger, logger }, testConfig());
    const workers = startWorkers({ reconcile: processor }, fixture.ledger.ledger, logger, { connection: fixture.redis, prefix: fixture.prefix });
    try {
      const job = await fixture.queues.byName.reconcile.add('user', { platform: 'crm', id: 'not-an-id', trigger: { type: 'command', via: 'api' } });
      await waitFor('the job to fail', async () => (await job.getState()) === 'failed', { timeoutMs: UI_TIMEOUT_MS });
      return job.id ?? '';
    } finally {
      // No worker is left, so a retried job stays waiting where the test can see it.
      await workers.close();
    }
  }

  it('answers 401 without credentials', async () => {
    const page = await browse();
    const url = `${fixture.url}/admin/queues`;
    const answered = page.waitForResponse((response) => response.url() === url);
    // With no credentials to offer, Chromium ends the navigation on the challenge (ERR_INVALID_AUTH_CREDENTIALS).
    const navigation = await page.goto(url).then(
      () => 'loaded',
      (error: unknown) => String(error),
    );
    expect(navigation).toContain('ERR_INVALID_AUTH_CREDENTIALS');
    const response = await answered;
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toMatch(/^Basic /);
  });

  it('logs in, shows every queue, opens a failed job and retries it', async () => {
    const jobId = await failedJob();
    const page = await browse({ username: fixture.credentials.dashboardUser, password: fixture.credentials.dashboardPassword });
    const response = await page.goto(`${fixture.url}/admin/queues`);
    expect(response?.status()).toBe(200);
    for (const name of QUEUES) await page.getByRole('link', { name, exact: true }).first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-queues.png'), fullPage: true });

    await page.getByRole('link', { name: 'reconcile', exact: true }).first().click();
    await page.locator('a[href$="/queue/reconcile?status=failed"]').first().click();
    await page.locator(`a[href*="/queue/reconcile/${jobId}"]`).first().click();
    // The job's code is in its data (src/jobs/job-errors.ts), beside the payload.
    await page.getByRole('tab', { name: 'Data', exact: true }).first().click();
    await page.getByText('IDSYNC_ERR_INVALID_PAYLOAD').first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-failed-job.png'), fullPage: true });

    const retry = page.locator('button:has(svg.lucide-refresh-cw)').first();
    await retry.hover();
    await page.getByText('Retry', { exact: true }).first().waitFor();
    await retry.click();
    // Bull Board asks before it retries.
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    const job = await fixture.queues.byName.reconcile.getJob(jobId);
    await waitFor('the retried job to leave the failed set', async () => (await job?.getState()) === 'waiting', { timeoutMs: UI_TIMEOUT_MS });
    expect(await fixture.queues.byName.reconcile.getFailedCount()).toBe(0);
    // The dashboard shows it waiting now.
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await page.goto(`${fixture.url}/admin/queues/queue/reconcile?status=waiting`);
    await page.locator(`a[href*="/queue/reconcile/${jobId}"]`).first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-retried.png'), fullPage: true });
  });

  it('shows a backfill enqueued through the API on the maintenance queue', async () => {
    const answer = await fixture.request('POST', '/api/backfill', { body: { platforms: ['crm'] } });
    expect(answer.status).toBe(202);
    const { jobId } = answer.body as { jobId: string };
    const page = await browse({ username: fixture.credentials.dashboardUser, password: fixture.credentials.dashboardPassword });
    await page.goto(`${fixture.url}/admin/queues/queue/maintenance?status=waiting`);
    const link = page.locator(`a[href*="/queue/maintenance/${jobId}"]`).first();
    await link.waitFor();
    expect(await link.innerText()).toContain('backfill');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-backfill.png'), fullPage: true });
  });
});
