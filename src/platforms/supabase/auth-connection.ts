import type { Dependency } from '../../config/dependency.ts';
import { maskUrl } from '../../config/mask-url.ts';
import { ServiceUnreachableError } from '../../errors.ts';
import { SETTING_DEFAULTS } from '../../config/env-schema.ts';

export interface SupabaseAuthOptions {
  /** How long a health request may take, in ms. Default: 5000. */
  connectTimeoutMs?: number;
}

/**
 * The Supabase Auth server as a dependency: its `/health` endpoint proves it answers. The admin API
 * itself is used by the Supabase adapter.
 */
export async function openSupabaseAuth(authUrl: string, serviceRoleKey: string, options: SupabaseAuthOptions = {}): Promise<Dependency> {
  const url = maskUrl(authUrl);
  const timeoutMs = options.connectTimeoutMs ?? SETTING_DEFAULTS.connectTimeoutMs;
  const check = async () => {
    const response = await fetch(`${authUrl.replace(/\/+$/, '')}/health`, {
      headers: { apikey: serviceRoleKey },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new Error(`health answered HTTP ${response.status}`);
  };
  try {
    await check();
  } catch (error) {
    throw new ServiceUnreachableError('supabase-auth', url, error);
  }
  return { name: 'supabase-auth', url, check, close: async () => undefined };
}
