import { MongoClient } from 'mongodb';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import type { Config } from '../../../src/config/load-config.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { Logger } from '../../../src/logging/logger.ts';
import { bookmasterWatch } from '../../../src/platforms/bookmaster/bookmaster-connector.ts';
import { crmWatch } from '../../../src/platforms/crm/crm-connector.ts';
import { omnistackWatch } from '../../../src/platforms/omnistack/omnistack-connector.ts';
import { supabaseWatch } from '../../../src/platforms/supabase/supabase-watch.ts';
import { describeSources } from '../../../src/watchers/sources.ts';

// Neither connects until used: describing sources does no I/O.
const client = new MongoClient('mongodb://127.0.0.1:1/?directConnection=true');
const pool = new pg.Pool({ connectionString: 'postgres://127.0.0.1:1/none' });

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
  return { logger, lines };
}

/** What each system's connector asks to have watched (Supabase's through its watch helper). */
function watchOf(config: Config, logger: Logger) {
  return {
    crm: crmWatch(client.db('crm')),
    omnistack: omnistackWatch(client.db('omni')),
    bookmaster: bookmasterWatch(config.bookmaster.dbUrl, pool),
    supabase: supabaseWatch(config.supabase, pool, logger),
  };
}

function sourcesFor(env: Record<string, string>, platforms: ReadonlyArray<keyof ReturnType<typeof watchOf>>) {
  const { logger, lines } = capture();
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const watch = watchOf(config, logger);
  const names = describeSources(platforms.flatMap((platform) => watch[platform]), config).map((watched) => watched.source.name);
  return { names, lines };
}

describe('the watched sources', () => {
  afterAll(async () => {
    await client.close();
    await pool.end();
  });

  it('watches the user and client collections, Bookmaster’s users and, by replication, Supabase’s auth.users', () => {
    expect(sourcesFor({}, ['crm', 'omnistack', 'bookmaster', 'supabase']).names).toEqual([
      'crm.User',
      'crm.Client',
      'omnistack.users',
      'omnistack.clients',
      'bookmaster.users',
      'supabase.auth.users',
    ]);
  });

  it('does not watch Supabase with SUPABASE_WATCH=off, and says so', () => {
    const { names, lines } = sourcesFor({ SUPABASE_WATCH: 'off' }, ['bookmaster', 'supabase']);
    expect(names).toEqual(['bookmaster.users']);
    expect(lines.join('')).toContain('Supabase changes are not watched');
  });

  it('watches Supabase’s auth.users through Realtime with SUPABASE_WATCH=realtime, under the same source name (one lease)', () => {
    const config = loadConfig({ NODE_ENV: 'test', PLATFORMS: 'supabase', SUPABASE_WATCH: 'realtime', SUPABASE_URL: 'https://project.supabase.example' });
    const sources = describeSources(supabaseWatch(config.supabase, undefined, createLogger({ level: 'silent' })), config);
    expect(sources.map((watched) => [watched.transport, watched.source.name])).toEqual([['realtime', 'supabase.auth.users']]);
    expect(sources[0]?.transport === 'realtime' && sources[0].source.url).toBe('https://project.supabase.example');
  });

  it('names slots and publications after REPLICATION_SLOT_PREFIX', () => {
    const config = loadConfig({ NODE_ENV: 'test', REPLICATION_SLOT_PREFIX: 'idsync_eu' });
    const [bookmaster] = describeSources(bookmasterWatch(config.bookmaster.dbUrl, pool), config);
    expect(bookmaster?.transport === 'postgres' && bookmaster.source.names).toEqual({ slot: 'idsync_eu_bookmaster', publication: 'idsync_eu_bookmaster' });
  });
});

describe('the watcher configuration', () => {
  it('defaults to a 15 s lease, a 10 s checkpoint interval and the slot prefix idsync', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).watch).toEqual({ leaseMs: 15_000, checkpointIntervalMs: 10_000, slotPrefix: 'idsync' });
  });

  it('lists every bad watcher variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'test', WATCH_LEASE_MS: '500', CHECKPOINT_INTERVAL_MS: 'often', REPLICATION_SLOT_PREFIX: 'Bad-Name' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'WATCH_LEASE_MS: must be at least 1000',
      'CHECKPOINT_INTERVAL_MS: must be a whole number',
      'REPLICATION_SLOT_PREFIX: must be 1-40 lower-case letters, digits or _, starting with a letter',
    ]);
  });
});
