import type { FourPerson, SupabaseE2e } from './e2e-supabase.ts';
import type { System } from './e2e-stores.ts';
import { waitFor } from './wait-for.ts';

/** How long a record may take to land while its store is down: longer than any fault. */
const WRITE_TIMEOUT_MS = 240_000;
/** Pause between two tries at a record whose store did not answer. */
const RETRY_INTERVAL_MS = 500;

export interface SteadyWriterOptions {
  /** New people per second, each with a record in all four systems. Default: 5. */
  perSecond?: number;
}

/** A person the writer began, and when. */
export interface StartedPerson {
  readonly startedAt: number;
  /** Resolves with the person once all four records are in their stores. */
  readonly written: Promise<FourPerson>;
}

/**
 * A steady write load, as the systems' own users make it: every 1/perSecond s a new person, whose
 * CRM, OmniStack and Bookmaster records are inserted directly and whose Supabase user is created
 * through the auth server's admin API, all four at once. A record whose store is down is tried
 * again until it lands, as a user would, so a person begun during a fault is written once it ends;
 * a try whose answer was lost is not repeated once the record is found in its store.
 */
export interface SteadyWriter {
  readonly started: readonly StartedPerson[];
  /** How many tries failed (a store down) and were made again. */
  retries(): number;
  /** Begins no one new and waits until everyone begun is written; returns them all. */
  stop(): Promise<FourPerson[]>;
}

export function startSteadyWriter(e2e: SupabaseE2e, options: SteadyWriterOptions = {}): SteadyWriter {
  const started: StartedPerson[] = [];
  let retries = 0;
  const onRetry = () => {
    retries += 1;
  };
  const begin = () => {
    const written = writePerson(e2e, onRetry);
    // Seen by stop(); until then a write that gave up must not count as an unhandled rejection.
    written.catch(() => undefined);
    started.push({ startedAt: Date.now(), written });
  };
  begin();
  const timer = setInterval(begin, 1000 / (options.perSecond ?? 5));
  return {
    started,
    retries: () => retries,
    stop: async () => {
      clearInterval(timer);
      return Promise.all(started.map((person) => person.written));
    },
  };
}

async function writePerson(e2e: SupabaseE2e, onRetry: () => void): Promise<FourPerson> {
  const person = e2e.newPerson();
  const { stores } = e2e;
  const other = (system: System, exists: () => Promise<boolean>) => ensure(`${system} record of ${person.email}`, () => stores.writePeople([person], [system]), exists, onRetry);
  const [, , , supabaseId] = await Promise.all([
    other('crm', async () => (await stores.crm.collection('User').countDocuments({ email: person.email })) > 0),
    other('omnistack', async () => (await stores.omnistack.collection('users').countDocuments({ email: person.email })) > 0),
    other('bookmaster', async () => ((await stores.bookmaster.query('select 1 from users where id = $1', [person.bookmaster])).rowCount ?? 0) > 0),
    supabaseUser(e2e, person.email, onRetry),
  ]);
  return { ...person, supabase: supabaseId };
}

async function supabaseUser(e2e: SupabaseE2e, email: string, onRetry: () => void): Promise<string> {
  let id: string | undefined;
  const find = async () => {
    const { rows } = await e2e.supabase.pool.query<{ id: string }>('select id::text as id from auth.users where email = $1', [email]);
    id = rows[0]?.id;
    return id !== undefined;
  };
  await ensure(`Supabase user ${email}`, async () => {
    id = await e2e.supabase.seedUser({ email });
  }, find, onRetry);
  if (id === undefined) throw new Error(`no Supabase user for ${email}`);
  return id;
}

/** Writes once; after a failure, looks for the record (the answer may be what was lost) before writing again. */
async function ensure(what: string, write: () => Promise<void>, exists: () => Promise<boolean>, onRetry: () => void): Promise<void> {
  let tried = false;
  await waitFor(
    `the ${what} to be written`,
    async () => {
      if (tried) {
        onRetry();
        if (await exists()) return true;
      }
      tried = true;
      await write();
      return true;
    },
    { timeoutMs: WRITE_TIMEOUT_MS, intervalMs: RETRY_INTERVAL_MS },
  );
}
