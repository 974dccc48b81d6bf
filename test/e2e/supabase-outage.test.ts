import { setTimeout as sleepUntil } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { JobType } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { QUEUE_NAMES } from '../../src/queues/queue-names.ts';
import { logsOf, waitForWatching } from '../support/e2e-stores.ts';
import type { E2eStores } from '../support/e2e-stores.ts';
import { createSupabaseE2e, WATCHED_SOURCES_WITH_SUPABASE } from '../support/e2e-supabase.ts';
import type { FourPerson, SupabaseE2e } from '../support/e2e-supabase.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { createPrivateAuthServer } from '../support/private-auth-server.ts';
import type { PrivateAuthServer } from '../support/private-auth-server.ts';
import { testConfig } from '../support/services.ts';
import { describeWithAuthServer } from '../support/supabase.ts';
import { waitFor } from '../support/wait-for.ts';

const PEOPLE = 15;
const BATCHES = 3;
/** A batch of CRM, OmniStack and Bookmaster records every 4 s over the outage's first 12 s. */
const BATCH_EVERY_MS = 4_000;
/** The fault: the auth server is down this long, from its exit to its restart. */
const OUTAGE_MS = 30_000;
/** Every person linked this long after the server is back, at most (retries back off up to 64 s). */
const RECOVERY_BOUND_MS = 90_000;
const UNAVAILABLE = 'IDSYNC_ERR_STORE_UNAVAILABLE';

describeWithAuthServer('idsync through a Supabase Auth outage (supabase)', () => {
  let auth: PrivateAuthServer | undefined;
  let e2e: SupabaseE2e | undefined;
  let queues: QueueCounts | undefined;

  afterEach(async () => {
    await queues?.close();
    await e2e?.dispose();
    await auth?.dispose();
    auth = undefined;
    e2e = undefined;
    queues = undefined;
  });

  it(`links ${PEOPLE} people written while the auth server was down for ${OUTAGE_MS / 1000} s, every job completing after it returns`, async () => {
    auth = await createPrivateAuthServer();
    await auth.start();
    // idsync writes through the private server; the SQL side and the watcher stay on the shared database.
    const run = await createSupabaseE2e({ SUPABASE_AUTH_URL: auth.url, SUPABASE_URL: auth.url, LOG_LEVEL: 'info' });
    e2e = run;
    const { stores } = run;
    queues = queueCounts(stores.env.QUEUE_PREFIX ?? '');
    const idsync: IdsyncProcess = run.run(['start']);
    await waitForWatching(idsync, undefined, WATCHED_SOURCES_WITH_SUPABASE);
    const people = await seedPeople(run, PEOPLE);

    const scene: OutageScene = { e2e: run, people, queues };
    const outage = await outageOf(auth, scene);
    const linked = await waitFor(`all ${PEOPLE} people to be linked in the four systems`, async () => {
      const count = await linkedInFour(run, people);
      return count === PEOPLE ? count : undefined;
    }, { timeoutMs: RECOVERY_BOUND_MS, intervalMs: 250 });
    const recoveryMs = Date.now() - outage.backAt;
    await waitFor('the queues to be drained', async () => (await scene.queues.pending()) === 0, { timeoutMs: 30_000, intervalMs: 250 });
    const errors = await syncErrors(stores.ledger);
    console.info(
      `[measure] ${PEOPLE} people written in ${BATCHES} batches over an auth outage of ${outage.downMs} ms; ${linked} linked in all four systems ${recoveryMs} ms after the server returned` +
        ` (while down: ${outage.linkedInFour} linked in four, ${outage.linkedInThree} in the other three); ${errors.length} sync_errors rows` +
        ` (${describeCodes(errors)}), highest attempt ${Math.max(0, ...errors.map((row) => row.attempt))}`,
    );

    expect(outage.linkedInFour).toBe(0);
    expect(outage.failed).toEqual({});
    expect(await queues.failed()).toEqual({});
    // Every failure was Supabase's and said so: the auth server did not answer.
    expect(new Set(errors.map((row) => `${row.platform}/${row.error_code}`))).toEqual(new Set([`supabase/${UNAVAILABLE}`]));
    // The watchers and workers rode it out in the same process.
    expect(idsync.child.exitCode).toBe(null);
    expect(logsOf(idsync, 'watcher failed; retrying')).toEqual([]);
    expect(idsync.logs.filter((entry) => Number(entry.level) >= 50)).toEqual([]);
  }, 240_000);
});

interface OutageScene {
  readonly e2e: SupabaseE2e;
  readonly people: readonly FourPerson[];
  readonly queues: QueueCounts;
}

/**
 * `count` people, each a confirmed Supabase user created now (through the shared server's admin
 * API, so the namespace removes it), with the ids their other records get when written later.
 */
async function seedPeople(e2e: SupabaseE2e, count: number): Promise<FourPerson[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const person = e2e.newPerson();
      return { ...person, supabase: await e2e.supabase.seedUser({ email: person.email }) };
    }),
  );
}

/** How many of `people` have all four records referencing one another. */
async function linkedInFour(e2e: SupabaseE2e, people: readonly FourPerson[]): Promise<number> {
  const linked = await Promise.all(people.map((person) => e2e.linkedIn(person)));
  return linked.filter((systems) => systems.length === 4).length;
}

interface Outage {
  /** From the server's exit to its answering /health again, in ms. */
  readonly downMs: number;
  readonly backAt: number;
  /** People linked in all four systems, and in the three others, at the outage's end. */
  readonly linkedInFour: number;
  readonly linkedInThree: number;
  /** Failed jobs by queue at the outage's end. */
  readonly failed: Record<string, number>;
}

/**
 * The fault: stops `auth`, writes the people's three other records in batches, and starts it
 * again OUTAGE_MS after it exited. Asserts on the way that a sync error says Supabase is unavailable.
 */
async function outageOf(auth: PrivateAuthServer, { e2e, people, queues }: OutageScene): Promise<Outage> {
  const { stores } = e2e;
  await auth.stop();
  const downAt = Date.now();
  const endsIn = () => Math.max(0, downAt + OUTAGE_MS - Date.now());
  await writeInBatches(stores, people, downAt);
  // While it is down: the reconciles that must write Supabase links fail, retryably, as Supabase's.
  const unavailable = (rows: readonly SyncErrorRow[]) => rows.some((row) => row.platform === 'supabase' && row.error_code === UNAVAILABLE);
  await waitFor('a sync error for the unavailable auth server', async () => unavailable(await syncErrors(stores.ledger)), { timeoutMs: endsIn() });
  // The outage lasts OUTAGE_MS by definition: a deadline on the clock, not a condition to wait for.
  await sleepUntil(endsIn());
  const seen = { linkedInFour: await linkedInFour(e2e, people), linkedInThree: await stores.countLinked(people), failed: await queues.failed() };
  await auth.start();
  const backAt = Date.now();
  return { ...seen, downMs: backAt - downAt, backAt };
}

/** Each person's CRM, OmniStack and Bookmaster records, in BATCHES batches BATCH_EVERY_MS apart from `from`. */
async function writeInBatches(stores: E2eStores, people: readonly FourPerson[], from: number): Promise<void> {
  const size = Math.ceil(people.length / BATCHES);
  for (let batch = 0; batch < BATCHES; batch += 1) {
    // A timetable, as the fault is: the writes fall at set times into the outage.
    await sleepUntil(Math.max(0, from + batch * BATCH_EVERY_MS - Date.now()));
    await stores.writePeople(people.slice(batch * size, (batch + 1) * size));
  }
}

interface SyncErrorRow {
  queue: string;
  platform: string | null;
  error_code: string;
  attempt: number;
}

async function syncErrors(ledger: E2eStores['ledger']): Promise<SyncErrorRow[]> {
  return (await ledger.query<SyncErrorRow>('select queue, platform, error_code, attempt from sync_errors order by id')).rows;
}

/** '<count> <queue>:<platform>/<code>' for each kind of row. */
function describeCodes(rows: readonly SyncErrorRow[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const key = `${row.queue}:${row.platform}/${row.error_code}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${count} ${key}`).join(', ') || 'none';
}

interface QueueCounts {
  /**
   * Jobs not yet finished on the queues that work on people: waiting, delayed (a retry's backoff
   * included), active. Maintenance is left out: its schedules always hold a delayed job.
   */
  pending(): Promise<number>;
  /** Failed jobs by queue, the queues with none left out. */
  failed(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** BullMQ's own counts of idsync's queues under `prefix`. */
function queueCounts(prefix: string): QueueCounts {
  const connection = new Redis(testConfig().redis.url, { maxRetriesPerRequest: null });
  const queues = QUEUE_NAMES.map((name) => new Queue(name, { connection, prefix }));
  const counts = (of: readonly Queue[], ...types: JobType[]) => Promise.all(of.map(async (queue) => [queue.name, await queue.getJobCounts(...types)] as const));
  const personQueues = queues.filter((queue) => queue.name !== 'maintenance');
  return {
    pending: async () => {
      const all = await counts(personQueues, 'waiting', 'delayed', 'active', 'prioritized', 'waiting-children');
      return all.reduce((sum, [, byType]) => sum + Object.values(byType).reduce((a, b) => a + b, 0), 0);
    },
    failed: async () => Object.fromEntries((await counts(queues, 'failed')).flatMap(([name, { failed = 0 }]) => (failed > 0 ? [[name, failed]] : []))),
    close: async () => {
      await Promise.all(queues.map((queue) => queue.close()));
      connection.disconnect();
    },
  };
}
