import { afterEach, describe, expect, it } from 'vitest';
import { createPipelineFixture } from '../../support/pipeline-fixture.ts';
import type { PipelineFixture } from '../../support/pipeline-fixture.ts';
import { insertBookmasterUser, insertCrmUser, rawBookmasterRow, uniqueEmail } from '../../support/platform-seeders.ts';
import { startPrivatePostgres } from '../../support/private-postgres.ts';
import type { PrivatePostgres } from '../../support/private-postgres.ts';
import { waitFor } from '../../support/wait-for.ts';

describe('a store that goes away', () => {
  let fixture: PipelineFixture | undefined;
  let server: PrivatePostgres | undefined;

  afterEach(async () => {
    await fixture?.dispose();
    await server?.dispose();
  });

  it('retries with backoff, logs each failure in the ledger, and completes once the store is back', async () => {
    server = await startPrivatePostgres();
    fixture = await createPipelineFixture({ bookmasterUrl: server.url });
    const email = uniqueEmail('outage');
    const crm = await insertCrmUser(fixture.crm, { email });
    const bookmaster = await insertBookmasterUser(fixture.bookmaster, { email });
    await fixture.indexStores();
    await server.stop();

    const outcome = fixture.reconcile({ platform: 'crm', id: crm }, { index: false });
    const ledger = fixture.ledger.connection.pool;
    const failures = await waitFor('two failed attempts in the ledger', async () => {
      const { rows } = await ledger.query<{ attempt: number; error_code: string; queue: string; person_key: string }>(
        'select attempt, error_code, queue, person_key from sync_errors order by attempt',
      );
      return rows.length >= 2 ? rows : undefined;
    }, { timeoutMs: 20_000 });
    expect(failures.slice(0, 2).map((row) => row.attempt)).toEqual([1, 2]);
    expect(failures[0]).toMatchObject({ queue: 'reconcile', person_key: `crm:${crm}`, error_code: 'IDSYNC_ERR_STORE_UNAVAILABLE' });

    await server.start();
    expect(await outcome).toMatchObject({ members: { crm, bookmaster } });
    expect((await rawBookmasterRow(fixture.bookmaster, bookmaster))?.external_ids).toEqual({ crm });
  });
});
