import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { Platform } from '../ids/platforms.ts';
import { ENV_NAMES, productionSchema, withLocalDefaults } from './env-schema.ts';
import { localDefaults } from './local-defaults.ts';

export interface MongoTarget {
  url: string;
  database: string;
}

export interface Config {
  env: 'development' | 'test' | 'production';
  logLevel: string;
  redis: { url: string; queuePrefix: string };
  crm: MongoTarget;
  omnistack: MongoTarget;
  supabase: { url: string; authUrl: string; serviceRoleKey: string; dbUrl: string; watch: 'replication' | 'realtime' | 'off' };
  bookmaster: { dbUrl: string };
  ledger: { dbUrl: string };
  /**
   * The systems PLATFORMS enables. Synced are those that also have a connector
   * (src/platforms/registry.ts `syncedPlatforms`); `idsync start` narrows this list to them.
   */
  platforms: readonly Platform[];
  /**
   * The synced systems every person must have a record on (REQUIRED_PLATFORMS within PLATFORMS): a
   * person without one on another synced system is consistent.
   */
  requiredPlatforms: readonly Platform[];
  http: {
    host: string;
    port: number;
    dashboardUser: string;
    dashboardPassword: string;
    apiToken: string;
    /** Failed authentications per address and window before the API and the dashboard answer 429. */
    authFailureLimit: number;
    authFailureWindowMs: number;
  };
  connectTimeoutMs: number;
  /**
   * How long `idsync start` waits for running jobs once it is told to stop; then it closes the
   * workers anyway, and another worker runs those jobs again once their locks expire.
   */
  shutdownTimeoutMs: number;
  /**
   * Jobs each worker of a person queue (reconcile, propagate, provision) runs at once. A job mostly
   * waits on the systems, so with the cores not busy the rate is this over a job's run time.
   */
  workerConcurrency: number;
  watch: {
    /** How long a watcher's leader lease lasts without renewal (a standby takes over after it). */
    leaseMs: number;
    /** How often a quiet source saves or acknowledges its position. */
    checkpointIntervalMs: number;
    /** Replication slots and publications are named `<slotPrefix>_<platform>`. */
    slotPrefix: string;
  };
  policy: {
    conflict: 'newest' | 'manual';
    autoProvision: readonly Platform[];
    auditCron: string;
    cleanupCron: string;
    cleanupMode: 'report' | 'apply';
    cleanupMaxFraction: number;
  };
  /** The maintenance jobs (audit, cleanup-orphans, backfill). */
  maintenance: {
    /** Records per scan round trip, rows per ledger statement, jobs per addBulk. */
    batchSize: number;
  };
  /** What an operator should know about how this configuration was chosen; start logs each as a warning. */
  warnings: readonly string[];
}

type Env = Record<string, string | undefined>;

/**
 * Reads the environment into a typed Config. Every problem is collected and thrown together as one
 * ConfigError, so an operator fixes a deployment in one round instead of one variable per restart.
 */
export function loadConfig(env: Env = process.env, local: ReturnType<typeof localDefaults> = localDefaults()): Config {
  // An empty variable (`FOO=`) means "not set", as it does for most twelve-factor programs.
  const present = Object.fromEntries(
    ENV_NAMES.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [name, env[name]]),
  );
  const production = present.NODE_ENV === 'production';
  const schema = production ? productionSchema() : withLocalDefaults(local.values);
  const result = schema.safeParse(present);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues));
  const parsed = result.data as ParsedEnv;
  // The default names Supabase, which a local set-up may not sync; a value the operator set must fit.
  const unsynced = present.REQUIRED_PLATFORMS === undefined ? [] : parsed.REQUIRED_PLATFORMS.filter((platform) => !parsed.PLATFORMS.includes(platform));
  if (unsynced.length > 0) throw new ConfigError([`REQUIRED_PLATFORMS: names ${unsynced.join(', ')}, which PLATFORMS does not sync`]);
  const warnings = !production && local.supabaseAbsent && present.PLATFORMS === undefined ? [SUPABASE_ABSENT] : [];
  return { ...toConfig(parsed), warnings };
}

const SUPABASE_ABSENT =
  'Supabase Auth is not synced: scripts/services found no local auth server binary (SUPABASE_AUTH_BIN, or auth on PATH), ' +
  'so PLATFORMS defaults to crm,omnistack,bookmaster';

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const name = issue.path.join('.');
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    return missing ? `${name}: is required` : `${name}: ${issue.message}`;
  });
}

type ParsedEnv = z.output<ReturnType<typeof productionSchema>>;

function mongoTarget(url: string, fallbackDatabase: string): MongoTarget {
  const database = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  return { url, database: database || fallbackDatabase };
}

function supabaseConfig(env: ParsedEnv): Config['supabase'] {
  return {
    url: env.SUPABASE_URL,
    authUrl: env.SUPABASE_AUTH_URL ?? `${env.SUPABASE_URL.replace(/\/+$/, '')}/auth/v1`,
    serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY,
    dbUrl: env.SUPABASE_DB_URL,
    watch: env.SUPABASE_WATCH,
  };
}

function toConfig(env: ParsedEnv): Omit<Config, 'warnings'> {
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    redis: { url: env.REDIS_URL, queuePrefix: env.QUEUE_PREFIX },
    crm: mongoTarget(env.CRM_MONGO_URL, 'trackmaster'),
    omnistack: mongoTarget(env.OMNISTACK_MONGO_URL, 'omnistack'),
    supabase: supabaseConfig(env),
    bookmaster: { dbUrl: env.BOOKMASTER_DB_URL },
    ledger: { dbUrl: env.LEDGER_DB_URL },
    platforms: [...new Set(env.PLATFORMS)],
    requiredPlatforms: [...new Set(env.REQUIRED_PLATFORMS)].filter((platform) => env.PLATFORMS.includes(platform)),
    http: {
      host: env.HTTP_HOST,
      port: env.HTTP_PORT,
      dashboardUser: env.DASHBOARD_USER,
      dashboardPassword: env.DASHBOARD_PASSWORD,
      apiToken: env.API_TOKEN,
      authFailureLimit: env.AUTH_FAILURE_LIMIT,
      authFailureWindowMs: env.AUTH_FAILURE_WINDOW_MS,
    },
    connectTimeoutMs: env.CONNECT_TIMEOUT_MS,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    workerConcurrency: env.WORKER_CONCURRENCY,
    watch: { leaseMs: env.WATCH_LEASE_MS, checkpointIntervalMs: env.CHECKPOINT_INTERVAL_MS, slotPrefix: env.REPLICATION_SLOT_PREFIX },
    policy: {
      conflict: env.CONFLICT_POLICY,
      autoProvision: [...new Set(env.AUTO_PROVISION)],
      auditCron: env.AUDIT_CRON,
      cleanupCron: env.CLEANUP_CRON,
      cleanupMode: env.CLEANUP_MODE,
      cleanupMaxFraction: env.CLEANUP_MAX_FRACTION,
    },
    maintenance: { batchSize: env.AUDIT_BATCH_SIZE },
  };
}
