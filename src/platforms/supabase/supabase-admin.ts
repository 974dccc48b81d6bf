import { AuthAdminApi } from '@supabase/supabase-js';
import type { GoTrueAdminApi } from '@supabase/supabase-js';

/**
 * The admin calls idsync makes. A supabase-js client's `auth.admin` is one; so is
 * `createSupabaseAdmin`'s, which talks to an auth URL that need not end in `/auth/v1`.
 */
export type SupabaseAdmin = Pick<GoTrueAdminApi, 'createUser' | 'updateUserById'>;

export interface SupabaseAdminOptions {
  /** How long one admin request may take before it counts as no answer, in ms. Default: 10000. */
  timeoutMs?: number;
  /** The fetch requests go through. Default: the global fetch. */
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * An admin API client for the Supabase Auth server at `authUrl` (config `supabase.authUrl`).
 * supabase-js's createClient always appends `/auth/v1` to its URL, which a bare auth server (the
 * local one serves its API at the root) does not have, so this builds auth-js's admin client
 * directly. Every request carries a timeout: a write waits for its answer while holding the
 * user's lock (supabase-lock.ts).
 */
export function createSupabaseAdmin(authUrl: string, serviceRoleKey: string, options: SupabaseAdminOptions = {}): GoTrueAdminApi {
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timed: typeof fetch = (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return send(input, { ...init, signal });
  };
  return new AuthAdminApi({
    url: authUrl.replace(/\/+$/, ''),
    headers: { Authorization: `Bearer ${serviceRoleKey}`, apikey: serviceRoleKey },
    fetch: timed,
  });
}
