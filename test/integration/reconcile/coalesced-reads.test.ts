import { afterEach, describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.ts';
import type { Platform, RecordKey } from '../../../src/ids/index.ts';
import { coalesceLookups } from '../../../src/link-index/coalesce-lookups.ts';
import type { ClaimersAndRows } from '../../../src/link-index/link-index.ts';
import { coalesceReads } from '../../../src/platforms/coalesce.ts';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import type { PlatformAdapter } from '../../../src/platforms/platform-adapter.ts';
import { createPipelineFixture } from '../../support/pipeline-fixture.ts';
import type { PipelineFixture } from '../../support/pipeline-fixture.ts';
import { insertBookmasterUser, insertCrmUser, insertOmnistackUser, newBookmasterId, newObjectId } from '../../support/platform-seeders.ts';

/*
 * A worker process's reconciles share their reads by key (src/platforms/coalesce.ts). Against the
 * real stores and the real link index: what each concurrent caller gets must be what its own read
 * gets, in fewer queries.
 */

const PEOPLE = 6;

type Person = Record<'crm' | 'omnistack' | 'bookmaster', string>;

async function seedPeople(fixture: PipelineFixture, count = PEOPLE): Promise<Person[]> {
  const people: Person[] = [];
  for (let index = 0; index < count; index += 1) {
    const [crm, omnistack, bookmaster] = [newObjectId(), newObjectId(), newBookmasterId()];
    await insertCrmUser(fixture.crm, { id: crm, externalIds: { omnistack, bookmaster } });
    await insertOmnistackUser(fixture.omnistack, { id: omnistack, externalIds: [`crm_${crm}`] });
    await insertBookmasterUser(fixture.bookmaster, { id: bookmaster, externalIds: { crm } });
    people.push({ crm, omnistack, bookmaster });
  }
  await fixture.indexStores();
  return people;
}

/** Each caller's ids: some people's, upper-cased where the id allows it, an id twice, and ids of no record. */
function callsOf(people: readonly Person[], platform: keyof Person, missing: string): string[][] {
  const ids = people.map((person) => person[platform]);
  const shout = (id: string) => (platform === 'bookmaster' ? id : id.toUpperCase());
  return [ids.slice(0, 2), [shout(ids[2] ?? ''), missing], [ids[3] ?? '', ids[3] ?? ''], ids.slice(1, 5), [missing], ids];
}

const byId = (records: readonly PersonRecord[]) => [...records].sort((left, right) => left.id.localeCompare(right.id));

/** Claimer lists in a stable order: the index answers them in no particular one. */
function comparable(answer: ClaimersAndRows) {
  const claimers = [...answer.claimers].map(([key, list]) => [key, list.map((claimer) => `${claimer.platform}:${claimer.id}`).sort()]);
  return { claimers, held: [...answer.held] };
}

describe('reads shared between concurrent reconciles', () => {
  let fixture: PipelineFixture | undefined;

  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it('answer each concurrent caller as its own read does, in one query per platform', async () => {
    fixture = await createPipelineFixture();
    const people = await seedPeople(fixture);
    const coalesced = coalesceReads(fixture.adapters);
    const missing: Record<keyof Person, string> = { crm: newObjectId(), omnistack: newObjectId(), bookmaster: newBookmasterId() };
    const platforms = ['crm', 'omnistack', 'bookmaster'] as const;
    const queriesBefore = fixture.bookmasterQueries.length;

    const answers = await Promise.all(
      platforms.map(async (platform) => {
        const adapter = coalesced[platform] as PlatformAdapter;
        return Promise.all(callsOf(people, platform, missing[platform]).map(async (ids) => adapter.getMany(ids)));
      }),
    );

    expect(fixture.bookmasterQueries.length - queriesBefore).toBe(1);
    for (const [at, platform] of platforms.entries()) {
      const own = fixture.adapters[platform] as PlatformAdapter;
      const expected = await Promise.all(callsOf(people, platform, missing[platform]).map(async (ids) => byId(await own.getMany(ids))));
      expect(answers[at]?.map(byId)).toEqual(expected);
      expect(expected.at(-1)).toHaveLength(PEOPLE);
    }
  });

  it('fail only the caller with a malformed id, with its code', async () => {
    fixture = await createPipelineFixture();
    const [person] = await seedPeople(fixture);
    const adapter = coalesceReads(fixture.adapters).bookmaster as PlatformAdapter;

    const [good, bad] = await Promise.allSettled([adapter.getMany([person?.bookmaster ?? '']), adapter.getMany(['not a bookmaster id'])]);

    expect(good.status === 'fulfilled' && good.value.map((record) => record.id)).toEqual([person?.bookmaster]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: codes.INVALID_ID } });
  });

  it("answer each concurrent caller's link index look-up as its own does, in one query", async () => {
    fixture = await createPipelineFixture();
    const people = await seedPeople(fixture);
    const index = fixture.ledger.links;
    const coalesced = coalesceLookups(index);
    const key = (platform: Platform, id: string): RecordKey => ({ platform, id });
    const calls: RecordKey[][] = people.map((person, at) =>
      at % 2 === 0 ? [key('crm', person.crm)] : [key('omnistack', person.omnistack), key('bookmaster', person.bookmaster), key('crm', newObjectId())],
    );
    calls.push([key('crm', people[0]?.crm ?? '')]);
    const queriesBefore = fixture.ledgerQueries.length;

    const answers = await Promise.all(calls.map(async (keys) => coalesced.claimersAndRows(keys)));

    expect(fixture.ledgerQueries.length - queriesBefore).toBe(1);
    const expected = await Promise.all(calls.map(async (keys) => comparable(await index.claimersAndRows(keys))));
    expect(answers.map(comparable)).toEqual(expected);
    expect(expected[0]?.claimers).toEqual([[`crm:${people[0]?.crm}`, [`bookmaster:${people[0]?.bookmaster}`, `omnistack:${people[0]?.omnistack}`]]]);
  });

  it("are shared by the bulk lane's reconciles, while each live one sends its own", async () => {
    fixture = await createPipelineFixture({ shareBulkReads: true });
    const { bookmasterQueries } = fixture;
    const people = await seedPeople(fixture, 12);
    const bookmasterReads = () => bookmasterQueries.filter((text) => text.includes('id = any(')).length;
    const reconcileAll = (lane: 'live' | 'bulk') =>
      Promise.all(people.map(async (person) => fixture?.reconcile({ platform: 'crm', id: person.crm }, { index: false, lane })));

    const beforeLive = bookmasterReads();
    await reconcileAll('live');
    // A consistent person's reconcile reads its Bookmaster record once.
    expect(bookmasterReads() - beforeLive).toBe(people.length);

    const beforeBulk = bookmasterReads();
    const outcomes = await reconcileAll('bulk');
    expect(outcomes.map((outcome) => outcome?.members)).toEqual(people);
    // Four jobs at a time, each reading in rounds: some of the twelve reads go together.
    expect(bookmasterReads() - beforeBulk).toBeLessThan(people.length);
  });
});
