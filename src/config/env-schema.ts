import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { PLATFORMS } from '../ids/platforms.ts';
import { LOCAL_DEFAULTS } from './local-defaults.ts';

const PORT_MAX = 65_535;

/**
 * Settings' defaults that modules taking them as options share with the environment, so that a
 * module used without a config (a test, a bench) behaves as `idsync start` does.
 */
export const SETTING_DEFAULTS = {
  /** CONNECT_TIMEOUT_MS. */
  connectTimeoutMs: 5_000,
  /** CHECKPOINT_INTERVAL_MS. */
  checkpointIntervalMs: 10_000,
  /** AUDIT_BATCH_SIZE: records per scan round trip, jobs per addBulk. */
  batchSize: 1_000,
} as const;

const PROTOCOLS = {
  mongo: ['mongodb:', 'mongodb+srv:'],
  postgres: ['postgres:', 'postgresql:'],
  redis: ['redis:', 'rediss:'],
  http: ['http:', 'https:'],
} as const;

function url(kind: keyof typeof PROTOCOLS) {
  const allowed: readonly string[] = PROTOCOLS[kind];
  return z.string().refine((value) => URL.canParse(value) && allowed.includes(new URL(value).protocol), {
    message: `must be a URL starting with ${allowed.map((protocol) => `${protocol}//`).join(' or ')}`,
  });
}

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` }));

const fraction = z
  .string()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, { message: 'must be a number from 0 to 1' })
  .transform(Number);

const cron = z.string().refine(
  (value) => {
    try {
      CronExpressionParser.parse(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a cron expression such as "0 0 * * *"' },
);

const platformList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0))
  .pipe(z.array(z.enum(PLATFORMS)));

/**
 * Every variable idsync reads. Outside production, `withLocalDefaults` fills the ones that name a
 * service or a credential with the local development services; in production those
 * stay required so that a forgotten variable fails at start instead of pointing at localhost.
 */
export const ENV_SCHEMA = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: url('redis'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ or -' }).default('idsync'),
  CRM_MONGO_URL: url('mongo'),
  OMNISTACK_MONGO_URL: url('mongo'),
  SUPABASE_URL: url('http'),
  SUPABASE_AUTH_URL: url('http').optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1),
  SUPABASE_DB_URL: url('postgres'),
  SUPABASE_WATCH: z.enum(['replication', 'realtime', 'off']).default('replication'),
  BOOKMASTER_DB_URL: url('postgres'),
  LEDGER_DB_URL: url('postgres'),
  PLATFORMS: platformList.default([...PLATFORMS]),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: wholeNumber(0, PORT_MAX).default(3000),
  DASHBOARD_USER: z.string().min(1),
  DASHBOARD_PASSWORD: z.string().min(1),
  API_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }),
  // Failed logins (API token, dashboard user and password) one address may make per window before it is answered 429.
  AUTH_FAILURE_LIMIT: wholeNumber(1, 10_000).default(10),
  AUTH_FAILURE_WINDOW_MS: wholeNumber(1_000, 86_400_000).default(900_000),
  CONNECT_TIMEOUT_MS: wholeNumber(100, 600_000).default(SETTING_DEFAULTS.connectTimeoutMs),
  // How long `idsync start` waits for running jobs after SIGTERM or SIGINT before it closes the workers anyway.
  SHUTDOWN_TIMEOUT_MS: wholeNumber(0, 3_600_000).default(30_000),
  WORKER_CONCURRENCY: wholeNumber(1, 256).default(4),
  CONFLICT_POLICY: z.enum(['newest', 'manual']).default('newest'),
  AUTO_PROVISION: platformList.default([]),
  // Every person must have a record on these; a person without one on another synced system is consistent.
  REQUIRED_PLATFORMS: platformList.default(['crm', 'supabase', 'omnistack']),
  AUDIT_CRON: cron.default('0 0 * * *'),
  CLEANUP_CRON: cron.default('0 0 1 * *'),
  CLEANUP_MODE: z.enum(['report', 'apply']).default('report'),
  CLEANUP_MAX_FRACTION: fraction.default(0.05),
  WATCH_LEASE_MS: wholeNumber(1_000, 600_000).default(15_000),
  CHECKPOINT_INTERVAL_MS: wholeNumber(100, 3_600_000).default(SETTING_DEFAULTS.checkpointIntervalMs),
  // Replication slot names are cluster-wide and lower-case; slot and publication are `<prefix>_<platform>`.
  REPLICATION_SLOT_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, { message: 'must be 1-40 lower-case letters, digits or _, starting with a letter' })
    .default('idsync'),
  // Records per scan round trip, rows per ledger statement and jobs per addBulk of the maintenance jobs.
  AUDIT_BATCH_SIZE: wholeNumber(1, 10_000).default(SETTING_DEFAULTS.batchSize),
};

export type EnvName = keyof typeof ENV_SCHEMA;
export const ENV_NAMES = Object.keys(ENV_SCHEMA) as EnvName[];

/** The schema outside production: the same checks, with the local services as defaults. */
export function withLocalDefaults(defaults: Readonly<Record<string, string>> = LOCAL_DEFAULTS) {
  const shape: Record<string, z.ZodType> = { ...ENV_SCHEMA };
  for (const [name, value] of Object.entries(defaults)) {
    const field: z.ZodType = ENV_SCHEMA[name as EnvName];
    // prefault, not default: the local value goes through the same checks as a value from the environment.
    shape[name] = field.prefault(value);
  }
  return z.object(shape);
}

export const productionSchema = () => z.object(ENV_SCHEMA);
