import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFixture } from '../../support/http-fixture.ts';
import type { HttpFixture } from '../../support/http-fixture.ts';
import { newObjectId } from '../../support/platform-seeders.ts';
import { startPrivatePostgres } from '../../support/private-postgres.ts';
import type { PrivatePostgres } from '../../support/private-postgres.ts';
import { waitFor } from '../../support/wait-for.ts';

const READS = ['/api/findings', `/api/status/${newObjectId()}`, `/api/status/crm/${newObjectId()}`, `/api/status/omnistack/${newObjectId()}`];

/**
 * The API's ledger reads on a Postgres server of this file's own, which the test really stops: each
 * answers 503 IDSYNC_ERR_SERVICE_UNREACHABLE naming the ledger (not an unexpected 500) while it is
 * down, and answers again once it is back, without a restart.
 */
describe('the HTTP API while the ledger is down', () => {
  let postgres: PrivatePostgres;
  let fixture: HttpFixture;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    fixture = await createHttpFixture({ ledgerUrl: postgres.url });
  }, 60_000);

  afterAll(async () => {
    await fixture?.dispose();
    await postgres?.dispose();
  }, 60_000);

  it('answers every ledger read 503 SERVICE_UNREACHABLE while it is stopped, and as before once it is back', async () => {
    const before = await Promise.all(READS.map(async (path) => (await fixture.request('GET', path)).status));
    await postgres.stop();
    for (const path of READS) {
      const answer = await fixture.request('GET', path);
      expect(answer.status, path).toBe(503);
      expect(answer.body, path).toEqual({ code: 'IDSYNC_ERR_SERVICE_UNREACHABLE', message: expect.stringContaining('ledger') });
    }
    expect((await fixture.request('GET', '/readyz', { token: null })).body).toMatchObject({ checks: { ledger: 'down' } });

    await postgres.start();
    await waitFor('the ledger to answer the API again', async () => (await fixture.request('GET', '/api/findings')).status === 200, { timeoutMs: 30_000 });
    expect(await Promise.all(READS.map(async (path) => (await fixture.request('GET', path)).status))).toEqual(before);
    expect(before).toEqual([200, 404, 404, 404]);
  }, 90_000);
});
