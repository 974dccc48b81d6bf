import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Defaults outside production: the services that `scripts/services up` starts on loopback
 * and development-only credentials. None of these is ever used when NODE_ENV=production.
 */
const LOCAL_PG = 'postgres://postgres:postgres@127.0.0.1:5432';

/** The systems whose servers always run locally; Supabase joins them when its auth server does. */
const LOCAL_PLATFORMS_WITHOUT_AUTH = 'crm,omnistack,bookmaster';

export const LOCAL_DEFAULTS = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  CRM_MONGO_URL: 'mongodb://127.0.0.1:27017/trackmaster?directConnection=true',
  OMNISTACK_MONGO_URL: 'mongodb://127.0.0.1:27017/omnistack?directConnection=true',
  SUPABASE_URL: 'http://127.0.0.1:9999',
  // The local auth server serves its API at the root, not under /auth/v1 as a Supabase project does.
  SUPABASE_AUTH_URL: 'http://127.0.0.1:9999',
  // Replaced by the local auth server's own key when `scripts/services up` has written one.
  SUPABASE_SERVICE_ROLE_KEY: 'local-development-service-role-key',
  SUPABASE_DB_URL: `${LOCAL_PG}/supabase`,
  BOOKMASTER_DB_URL: `${LOCAL_PG}/bookmaster`,
  LEDGER_DB_URL: `${LOCAL_PG}/idsync`,
  PLATFORMS: LOCAL_PLATFORMS_WITHOUT_AUTH,
  DASHBOARD_USER: 'admin',
  DASHBOARD_PASSWORD: 'local-development-password',
  API_TOKEN: 'local-development-api-token',
} as const;

/**
 * Where `scripts/services up supabase-auth` writes the local auth server's service-role key (an
 * HS256 JWT signed with the local secret). The file exists only while a server binary was found.
 */
export const LOCAL_AUTH_KEY_FILE = path.join(import.meta.dirname, '..', '..', '.services', 'supabase-auth', 'service-role-key');

/** The local auth server's service-role key, or null when `scripts/services` found no server binary. */
export function readLocalAuthKey(file: string = LOCAL_AUTH_KEY_FILE): string | null {
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * The local defaults for this machine: all four systems when the local auth server is set up,
 * else the three whose servers run here, with `supabaseAbsent` saying why (start warns with it).
 */
export function localDefaults(authKey: string | null = readLocalAuthKey()): { values: Record<string, string>; supabaseAbsent: boolean } {
  if (authKey === null) return { values: { ...LOCAL_DEFAULTS }, supabaseAbsent: true };
  return { values: { ...LOCAL_DEFAULTS, SUPABASE_SERVICE_ROLE_KEY: authKey, PLATFORMS: `${LOCAL_PLATFORMS_WITHOUT_AUTH},supabase` }, supabaseAbsent: false };
}
