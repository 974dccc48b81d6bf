import { MongoClient } from 'mongodb';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDuplicateKeyError, isRetryableMongoError } from '../../../src/platforms/mongo-errors.ts';
import { isRetryablePostgresError } from '../../../src/platforms/postgres-errors.ts';
import { closedPort } from '../../support/idsync-process.ts';
import { openTestBookmaster, openTestMongo } from '../../support/platform-fixtures.ts';
import type { TestBookmaster, TestMongo } from '../../support/platform-fixtures.ts';
import { insertBookmasterUser, insertCrmUser, newObjectId } from '../../support/platform-seeders.ts';

/** Short enough to keep the test quick; a refused connection fails long before it anyway. */
const SELECTION_TIMEOUT_MS = 300;

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the work to fail');
}

describe('retryable errors, as the real drivers raise them', () => {
  let mongo: TestMongo;
  let bookmaster: TestBookmaster;

  beforeEach(async () => {
    [mongo, bookmaster] = await Promise.all([openTestMongo('retry'), openTestBookmaster()]);
  });

  afterEach(async () => {
    await Promise.all([mongo.drop(), bookmaster.drop()]);
  });

  it('MongoDB: a server that is not there is retryable, a duplicate key is not', async () => {
    const port = await closedPort();
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, { serverSelectionTimeoutMS: SELECTION_TIMEOUT_MS });
    const unreachable = await failure(() => client.db('x').command({ ping: 1 }));
    await client.close();
    const id = await insertCrmUser(mongo.db);
    const duplicate = await failure(() => insertCrmUser(mongo.db, { id }));

    expect([isRetryableMongoError(unreachable), isRetryableMongoError(duplicate)]).toEqual([true, false]);
    expect(duplicate).toMatchObject({ code: 11000 });
    expect([isDuplicateKeyError(duplicate), isDuplicateKeyError(unreachable), isDuplicateKeyError({ code: 11000 })]).toEqual([true, false, false]);
  });

  it('Postgres: a refused connection is retryable; a unique violation and bad SQL are not', async () => {
    const port = await closedPort();
    const refused = await failure(async () => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: 'postgres' });
      await client.connect();
    });
    const email = `dup-${newObjectId()}@example.com`;
    await insertBookmasterUser(bookmaster.pool, { email });
    const duplicate = await failure(() => insertBookmasterUser(bookmaster.pool, { email }));
    const badSql = await failure(() => bookmaster.pool.query('selec 1'));

    expect([refused, duplicate, badSql].map(isRetryablePostgresError)).toEqual([true, false, false]);
    expect(duplicate).toMatchObject({ code: '23505' });
  });

  it('Postgres: a session ended while its client is checked out fails the next query retryably, and crashes nothing', async () => {
    // As a Supabase user's lock is held while the admin call is in flight: checked out, no query running.
    const client = await bookmaster.pool.connect();
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    // Not events.once: that would listen for 'error' itself, hiding the crash this test looks for.
    const ended = new Promise((resolve) => client.once('end', resolve));
    await bookmaster.pool.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
    // By 'end' the client has emitted its 'error': unheard, that would have been an uncaught exception.
    await ended;
    const next = await failure(() => client.query('select 1'));
    client.release(true);

    expect(isRetryablePostgresError(next)).toBe(true);
  });
});
