/**
 * Defaults outside production: the services that `scripts/services up` starts on loopback (SPEC §8)
 * and development-only credentials. None of these is ever used when NODE_ENV=production.
 */
const LOCAL_PG = 'postgres://postgres:postgres@127.0.0.1:5432';

export const LOCAL_DEFAULTS = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  CRM_MONGO_URL: 'mongodb://127.0.0.1:27017/trackmaster?directConnection=true',
  OMNISTACK_MONGO_URL: 'mongodb://127.0.0.1:27017/omnistack?directConnection=true',
  SUPABASE_URL: 'http://127.0.0.1:9999',
  // The local auth server serves its API at the root, not under /auth/v1 as a Supabase project does.
  SUPABASE_AUTH_URL: 'http://127.0.0.1:9999',
  SUPABASE_SERVICE_ROLE_KEY: 'local-development-service-role-key',
  SUPABASE_DB_URL: `${LOCAL_PG}/supabase`,
  BOOKMASTER_DB_URL: `${LOCAL_PG}/bookmaster`,
  LEDGER_DB_URL: `${LOCAL_PG}/idsync`,
  // Supabase Auth cannot be fetched on these machines yet (README, design notes), so local runs
  // sync the three systems whose servers run here.
  PLATFORMS: 'crm,omnistack,bookmaster',
  DASHBOARD_USER: 'admin',
  DASHBOARD_PASSWORD: 'local-development-password',
  API_TOKEN: 'local-development-api-token',
} as const;
