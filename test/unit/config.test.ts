import { describe, expect, it } from 'vitest';
import { ENV_NAMES, loadConfig, maskUrl } from '../../src/config/index.ts';
import { localDefaults } from '../../src/config/local-defaults.ts';
import { ConfigError } from '../../src/errors.ts';

const PRODUCTION_REQUIRED = [
  'REDIS_URL',
  'CRM_MONGO_URL',
  'OMNISTACK_MONGO_URL',
  'SUPABASE_URL',
  'SUPABASE_SERVICE_ROLE_KEY',
  'SUPABASE_DB_URL',
  'BOOKMASTER_DB_URL',
  'LEDGER_DB_URL',
  'DASHBOARD_USER',
  'DASHBOARD_PASSWORD',
  'API_TOKEN',
];

const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://redis:6379',
  CRM_MONGO_URL: 'mongodb://mongo:27017/trackmaster?replicaSet=rs0',
  OMNISTACK_MONGO_URL: 'mongodb://mongo:27017/omnistack?replicaSet=rs0',
  SUPABASE_URL: 'https://project.supabase.co',
  SUPABASE_SERVICE_ROLE_KEY: 'service-role-key',
  SUPABASE_DB_URL: 'postgres://user:pw@db:5432/postgres',
  BOOKMASTER_DB_URL: 'postgres://user:pw@erp:5432/bookmaster',
  LEDGER_DB_URL: 'postgres://user:pw@ledger:5432/idsync',
  DASHBOARD_USER: 'ops',
  DASHBOARD_PASSWORD: 'a-long-dashboard-password',
  API_TOKEN: 'a-long-random-api-token',
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('local defaults and the local auth server', () => {
  const withoutAuth = localDefaults(null);
  const withAuth = localDefaults('header.payload.signature');

  it('syncs the three local systems and says why when scripts/services found no auth server', () => {
    const config = loadConfig({}, withoutAuth);
    expect(config.platforms).toEqual(['crm', 'omnistack', 'bookmaster']);
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]).toContain('SUPABASE_AUTH_BIN');
  });

  it('syncs all four with the local server\'s service-role key when one was written', () => {
    const config = loadConfig({}, withAuth);
    expect([...config.platforms].sort()).toEqual(['bookmaster', 'crm', 'omnistack', 'supabase']);
    expect(config.supabase.serviceRoleKey).toBe('header.payload.signature');
    expect(config.warnings).toEqual([]);
  });

  it('gives no warning when PLATFORMS is set, and never uses local values in production', () => {
    expect(loadConfig({ PLATFORMS: 'crm' }, withoutAuth).warnings).toEqual([]);
    const production = loadConfig(PRODUCTION_ENV, withAuth);
    expect(production.supabase.serviceRoleKey).toBe('service-role-key');
    expect(production.platforms).toHaveLength(4);
    expect(production.warnings).toEqual([]);
  });
});

describe('REQUIRED_PLATFORMS', () => {
  it('defaults to crm, supabase and omnistack, within what PLATFORMS syncs', () => {
    expect(loadConfig({ PLATFORMS: 'crm,omnistack,supabase,bookmaster' }).requiredPlatforms).toEqual(['crm', 'supabase', 'omnistack']);
    expect(loadConfig({ PLATFORMS: 'crm,omnistack,bookmaster' }).requiredPlatforms).toEqual(['crm', 'omnistack']);
  });

  it('takes a list of platform keys, and refuses one that PLATFORMS does not sync or that is no platform', () => {
    expect(loadConfig({ PLATFORMS: 'crm,bookmaster', REQUIRED_PLATFORMS: 'bookmaster' }).requiredPlatforms).toEqual(['bookmaster']);
    expect(configError({ PLATFORMS: 'crm,omnistack', REQUIRED_PLATFORMS: 'crm,bookmaster' }).problems).toEqual(['REQUIRED_PLATFORMS: names bookmaster, which PLATFORMS does not sync']);
    expect(configError({ REQUIRED_PLATFORMS: 'crm,erp' }).problems.map((problem) => problem.split(':')[0])).toEqual(['REQUIRED_PLATFORMS.1']);
  });
});

describe('loadConfig', () => {
  it('runs with no variables at all outside production, on the local services', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.crm).toEqual({ url: 'mongodb://127.0.0.1:27017/trackmaster?directConnection=true', database: 'trackmaster' });
    expect(config.omnistack.database).toBe('omnistack');
    expect(config.ledger.dbUrl).toBe('postgres://postgres:postgres@127.0.0.1:5432/idsync');
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 3000 });
    expect(config.policy).toEqual({
      conflict: 'newest',
      autoProvision: [],
      auditCron: '0 0 * * *',
      cleanupCron: '0 0 1 * *',
      cleanupMode: 'report',
      cleanupMaxFraction: 0.05,
    });
  });

  it('reports every missing production variable in one error', () => {
    const error = configError({ NODE_ENV: 'production' });
    expect(error.code).toBe('IDSYNC_ERR_CONFIG');
    expect(error.problems.map((problem) => problem.split(':')[0]).sort()).toEqual([...PRODUCTION_REQUIRED].sort());
    for (const name of PRODUCTION_REQUIRED) expect(error.message).toContain(`${name}: is required`);
  });

  it('accepts a complete production environment and derives the auth URL from SUPABASE_URL', () => {
    const config = loadConfig(PRODUCTION_ENV);
    expect(config.supabase.authUrl).toBe('https://project.supabase.co/auth/v1');
    expect(config.platforms).toEqual(['crm', 'omnistack', 'supabase', 'bookmaster']);
    expect(config.crm.database).toBe('trackmaster');
  });

  it('lists every invalid variable together, missing and malformed alike', () => {
    const { REDIS_URL: _omitted, ...withoutRedis } = PRODUCTION_ENV;
    const error = configError({
      ...withoutRedis,
      CRM_MONGO_URL: 'http://not-mongo',
      LEDGER_DB_URL: 'not a url',
      HTTP_PORT: '70000',
      CONNECT_TIMEOUT_MS: 'soon',
      CONFLICT_POLICY: 'oldest',
      AUDIT_CRON: 'every day',
      CLEANUP_MAX_FRACTION: '1.5',
      PLATFORMS: 'crm,salesforce',
      API_TOKEN: 'short',
    });
    const named = error.problems.map((problem) => problem.split(':')[0]);
    expect(named.sort()).toEqual(
      ['API_TOKEN', 'AUDIT_CRON', 'CLEANUP_MAX_FRACTION', 'CONFLICT_POLICY', 'CONNECT_TIMEOUT_MS', 'CRM_MONGO_URL', 'HTTP_PORT', 'LEDGER_DB_URL', 'PLATFORMS.1', 'REDIS_URL'].sort(),
    );
  });

  it('validates local defaults as strictly as set variables', () => {
    expect(configError({ HTTP_PORT: 'abc' }).problems).toEqual(['HTTP_PORT: must be a whole number']);
    expect(configError({ REDIS_URL: 'localhost:6379' }).problems[0]).toMatch(/^REDIS_URL: /);
  });

  it('waits 30 s for running jobs at shutdown unless SHUTDOWN_TIMEOUT_MS says otherwise, and refuses what is no whole number of ms up to an hour', () => {
    expect(loadConfig({}).shutdownTimeoutMs).toBe(30_000);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '0' }).shutdownTimeoutMs).toBe(0);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '3600000' }).shutdownTimeoutMs).toBe(3_600_000);
    for (const bad of ['soon', '-1', '1.5', '30s', '3600001']) {
      expect(configError({ SHUTDOWN_TIMEOUT_MS: bad }).problems.map((problem) => problem.split(':')[0])).toEqual(['SHUTDOWN_TIMEOUT_MS']);
    }
  });

  it('runs 4 jobs at once per person queue unless WORKER_CONCURRENCY says otherwise, from 1 to 256', () => {
    expect(loadConfig({}).workerConcurrency).toBe(4);
    expect(loadConfig({ WORKER_CONCURRENCY: '16' }).workerConcurrency).toBe(16);
    for (const bad of ['0', '257', 'many', '2.5']) {
      expect(configError({ WORKER_CONCURRENCY: bad }).problems.map((problem) => problem.split(':')[0])).toEqual(['WORKER_CONCURRENCY']);
    }
  });

  it('limits failed logins to 10 per address in 15 minutes unless told otherwise, within bounds', () => {
    expect(loadConfig({}).http).toMatchObject({ authFailureLimit: 10, authFailureWindowMs: 900_000 });
    expect(loadConfig({ AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_MS: '60000' }).http).toMatchObject({ authFailureLimit: 3, authFailureWindowMs: 60_000 });
    const error = configError({ AUTH_FAILURE_LIMIT: '0', AUTH_FAILURE_WINDOW_MS: '1.5' });
    expect(error.problems.map((problem) => problem.split(':')[0]).sort()).toEqual(['AUTH_FAILURE_LIMIT', 'AUTH_FAILURE_WINDOW_MS']);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ HTTP_PORT: '', REDIS_URL: '' }).http.port).toBe(3000);
    expect(configError({ ...PRODUCTION_ENV, API_TOKEN: '' }).problems).toEqual(['API_TOKEN: is required']);
  });

  it('parses platform lists and removes duplicates', () => {
    expect(loadConfig({ PLATFORMS: 'crm, bookmaster ,crm', AUTO_PROVISION: 'supabase' })).toMatchObject({
      platforms: ['crm', 'bookmaster'],
      policy: { autoProvision: ['supabase'] },
    });
  });

  it('never puts a secret into the error it reports', () => {
    const error = configError({ ...PRODUCTION_ENV, LEDGER_DB_URL: 'postgres//user:hunter2@ledger' });
    expect(error.message).not.toContain('hunter2');
  });

  it('names every variable it reads', () => {
    expect(ENV_NAMES).toEqual(expect.arrayContaining([...PRODUCTION_REQUIRED, 'SUPABASE_AUTH_URL', 'HTTP_HOST', 'HTTP_PORT', 'CONFLICT_POLICY']));
  });
});

describe('maskUrl', () => {
  it('hides the password and keeps everything else', () => {
    expect(maskUrl('postgres://idsync:s3cret@db:5432/idsync')).toBe('postgres://idsync:***@db:5432/idsync');
    expect(maskUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(maskUrl('::not a url::')).toBe('<unparseable url>');
  });
});
