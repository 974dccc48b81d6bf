import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBookmasterAdapter } from '../../../src/platforms/bookmaster/bookmaster-adapter.ts';
import { createCrmAdapter } from '../../../src/platforms/crm/crm-adapter.ts';
import { createOmnistackAdapter } from '../../../src/platforms/omnistack/omnistack-adapter.ts';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { openTestBookmaster, openTestMongo } from '../../support/platform-fixtures.ts';
import type { TestBookmaster, TestMongo } from '../../support/platform-fixtures.ts';
import { insertBookmasterUser, insertCrmUser, insertOmnistackUser } from '../../support/platform-seeders.ts';

/*
 * Ids arrive from change events, job payloads and operators: every adapter validates each one with
 * src/ids before it can reach a query, so none of these makes a single round trip.
 */

const TEN_KB = 10_240;
const OBJECT_ID = '507f1f77bcf86cd799439011';
const MALFORMED_IDS: Array<[label: string, value: unknown]> = [
  ['operator object', { $ne: null }],
  ['number', 42],
  ['crm_ + junk', `crm_${'junk'}`],
  ['prefixed ObjectId', `crm_${OBJECT_ID}`],
  ['10 kB string', 'a'.repeat(TEN_KB)],
  ['padded', ` ${OBJECT_ID}`],
  ['regex characters', '.*'],
];

interface Subject {
  adapter: PlatformAdapter;
  /** Data round trips since the last reset. */
  roundTrips(): number;
  reset(): void;
  /** A record that exists, so that a query would have something to return. */
  seed(): Promise<void>;
}

async function expectRejected(work: () => Promise<unknown>, code: string): Promise<void> {
  await expect(work()).rejects.toMatchObject({ code });
}

function describeAdapter(name: string, open: () => Promise<{ subject: Subject; close(): Promise<void> }>): void {
  describe(`${name} adapter: bad input`, () => {
    let subject: Subject;
    let close: () => Promise<void>;

    beforeEach(async () => {
      ({ subject, close } = await open());
      await subject.seed();
      subject.reset();
    });

    afterEach(async () => {
      await close();
    });

    it.each(MALFORMED_IDS)('rejects a malformed id (%s) in get and getMany before any query', async (_label, value) => {
      await expectRejected(() => subject.adapter.get(value as string), 'IDSYNC_ERR_INVALID_ID');
      await expectRejected(() => subject.adapter.getMany([value as string]), 'IDSYNC_ERR_INVALID_ID');
      expect(subject.roundTrips()).toBe(0);
    });

    it('rejects a bad email and a bad batch size before any query', async () => {
      await expectRejected(() => subject.adapter.findByEmail({ $regex: '.*' } as unknown as string), 'IDSYNC_ERR_INVALID_EMAIL');
      for (const batchSize of [0, -1, 1.5, Number.NaN, 1e9]) {
        await expectRejected(() => subject.adapter.scan({ batchSize })[Symbol.asyncIterator]().next(), 'IDSYNC_ERR_INVALID_BATCH_SIZE');
      }
      expect(subject.roundTrips()).toBe(0);
    });
  });
}

const MONGO_DATA_COMMANDS = new Set(['find', 'getMore', 'update', 'aggregate']);

function mongoSubject(mongo: TestMongo, adapter: PlatformAdapter, seed: () => Promise<unknown>): Subject {
  return {
    adapter,
    roundTrips: () => mongo.commands.names().filter((name) => MONGO_DATA_COMMANDS.has(name)).length,
    reset: () => mongo.commands.clear(),
    seed: async () => {
      await seed();
    },
  };
}

describeAdapter('CRM', async () => {
  const mongo = await openTestMongo('trackmaster');
  return { subject: mongoSubject(mongo, createCrmAdapter(mongo.db), () => insertCrmUser(mongo.db)), close: () => mongo.drop() };
});

describeAdapter('OmniStack', async () => {
  const mongo = await openTestMongo('omnistack');
  return { subject: mongoSubject(mongo, createOmnistackAdapter(mongo.db), () => insertOmnistackUser(mongo.db)), close: () => mongo.drop() };
});

describeAdapter('Bookmaster', async () => {
  const bookmaster: TestBookmaster = await openTestBookmaster();
  const subject: Subject = {
    adapter: createBookmasterAdapter(bookmaster.pool),
    roundTrips: () => bookmaster.queries(),
    reset: () => bookmaster.resetQueries(),
    seed: async () => {
      await insertBookmasterUser(bookmaster.pool);
    },
  };
  return { subject, close: () => bookmaster.drop() };
});
