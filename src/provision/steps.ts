import { parseRawId } from '../ids/index.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import { ACCOUNT_PLATFORMS } from '../platforms/staff-account.ts';
import type { AccountPlatform, OpenedAccount } from '../platforms/staff-account.ts';

/** What `create-staff-member` has done so far, saved on the job as its progress after every step. */
export interface ProvisionProgress {
  readonly phase: 'provision';
  readonly accounts: Partial<Record<AccountPlatform, OpenedAccount>>;
}

/** The systems this deployment opens accounts in, in the guide's order (Supabase → OmniStack → CRM). */
export function accountSteps(platforms: readonly Platform[]): AccountPlatform[] {
  return ACCOUNT_PLATFORMS.filter((platform) => platforms.includes(platform));
}

/** The first step without an account yet; null when every step is done. */
export function nextStep(steps: readonly AccountPlatform[], progress: ProvisionProgress): AccountPlatform | null {
  return steps.find((step) => progress.accounts[step] === undefined) ?? null;
}

/** Where the closing reconcile starts: the CRM account (the hub) when there is one, else the last one opened. */
export function reconcileOrigin(steps: readonly AccountPlatform[], progress: ProvisionProgress): RecordKey | null {
  for (const platform of ['crm', ...[...steps].reverse()] as const) {
    const account = progress.accounts[platform];
    if (account) return { platform, id: account.id };
  }
  return null;
}

/**
 * A job's stored progress, read defensively: an entry that is not a canonical id of its system
 * with a `created` flag is dropped, so its step runs again (steps are idempotent by email).
 */
export function readProgress(stored: unknown): ProvisionProgress {
  const accounts: Partial<Record<AccountPlatform, OpenedAccount>> = {};
  const storedAccounts = (stored as { accounts?: unknown } | null)?.accounts;
  if (typeof storedAccounts !== 'object' || storedAccounts === null) return { phase: 'provision', accounts };
  for (const platform of ACCOUNT_PLATFORMS) {
    const entry = (storedAccounts as Record<string, unknown>)[platform] as { id?: unknown; created?: unknown } | undefined;
    const parsed = parseRawId(platform, entry?.id);
    if (parsed.ok && typeof entry?.created === 'boolean') accounts[platform] = { id: parsed.id, created: entry.created };
  }
  return { phase: 'provision', accounts };
}
