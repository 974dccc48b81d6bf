import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBookmasterAdapter } from '../../../src/platforms/bookmaster/bookmaster-adapter.ts';
import { ensureBookmasterDevSchema } from '../../../src/platforms/bookmaster/dev-schema.ts';
import { createHttpFixture } from '../../support/http-fixture.ts';
import type { HttpFixture } from '../../support/http-fixture.ts';
import { newBookmasterId } from '../../support/platform-seeders.ts';
import { createTemporaryDatabase } from '../../support/services.ts';
import type { TemporaryDatabase } from '../../support/services.ts';

/** POST /api/reconcile on a server that reads records through a real Bookmaster adapter. */
describe('POST /api/reconcile of a record that exists in no store', () => {
  let fixture: HttpFixture;
  let database: TemporaryDatabase;
  let pool: pg.Pool;
  const existing = newBookmasterId();

  beforeAll(async () => {
    database = await createTemporaryDatabase('bookmaster');
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    await ensureBookmasterDevSchema(pool);
    await pool.query('insert into users (id, email) values ($1, $2)', [existing, 'existing@example.com']);
    fixture = await createHttpFixture({ adapters: { bookmaster: createBookmasterAdapter(pool) } });
  });

  afterAll(async () => {
    await fixture?.dispose();
    await pool?.end();
    await database?.drop();
  });

  it('answers 404 IDSYNC_ERR_NOT_FOUND and enqueues nothing', async () => {
    const answer = await fixture.request('POST', '/api/reconcile', { body: { platform: 'bookmaster', id: newBookmasterId() } });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ code: 'IDSYNC_ERR_NOT_FOUND' });
    expect(await fixture.queues.byName.reconcile.count()).toBe(0);
  });

  it('enqueues a record that exists', async () => {
    const answer = await fixture.request('POST', '/api/reconcile', { body: { platform: 'bookmaster', id: existing } });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ queue: 'reconcile', key: `bookmaster:${existing}` });
    expect(await fixture.queues.byName.reconcile.count()).toBe(1);
  });
});
