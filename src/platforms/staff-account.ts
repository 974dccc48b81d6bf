import { codes, IdsyncError } from '../errors.ts';
import type { Links, Platform } from '../ids/index.ts';
import { isDuplicateKeyError } from './mongo-errors.ts';
import type { PlatformAdapter } from './platform-adapter.ts';

/*
 * The `create-staff-member` job opens one account per system, in the order Supabase →
 * OmniStack → CRM. Each system that can open one is an AccountOpener. Opening is idempotent by
 * email: an account that already has the email is the person's, so running the job again, or
 * retrying it after a crash between two steps, creates nothing twice.
 */

/** The systems a staff member gets an account in, in the order the job opens them. */
export const ACCOUNT_PLATFORMS = Object.freeze(['supabase', 'omnistack', 'crm'] as const);
export type AccountPlatform = (typeof ACCOUNT_PLATFORMS)[number];

/** A new staff member, validated (src/queues/job-payloads.ts `staffMemberSchema`). */
export interface NewStaffMember {
  readonly email: string;
  readonly name: string;
  readonly surname: string;
  /** The CRM role (one of CRM_ROLES, src/platforms/crm/crm-roles.ts); the CRM's own default (SALES) when absent. */
  readonly role?: string;
}

export interface OpenedAccount {
  /** The canonical raw id. */
  readonly id: string;
  /** False when an account with the email was there already (this run's earlier attempt, or anyone's). */
  readonly created: boolean;
}

export interface AccountOpener {
  readonly platform: AccountPlatform;
  /**
   * The id of the account with the member's email, opening one when none has it. `links` are the
   * person's accounts opened so far: a new account is created claiming them, in its own format.
   * Throws AccountError codes.EMAIL_AMBIGUOUS when two accounts have the email.
   */
  open(member: NewStaffMember, links: Readonly<Links>): Promise<OpenedAccount>;
}

export type AccountOpeners = Partial<Record<AccountPlatform, AccountOpener>>;

/** A failure about one system's account; the message names ids and counts only, never the email. */
export class AccountError extends IdsyncError {
  readonly platform: Platform;

  constructor(code: typeof codes.EMAIL_AMBIGUOUS | typeof codes.NOT_AVAILABLE, platform: Platform, message: string) {
    super(code, message);
    this.platform = platform;
  }
}

/**
 * The shared shape of opening an account: look the email up through the system's adapter; one
 * match is the account; none, insert; an insert refused because the address is taken
 * (`isDuplicate`: by default MongoDB's duplicate key) means another writer won the race, so look
 * again. Two or more matches need a person to decide.
 */
export async function openByEmail(
  adapter: Pick<PlatformAdapter, 'platform' | 'findByEmail'>,
  email: string,
  insert: () => Promise<string>,
  isDuplicate: (error: unknown) => boolean = isDuplicateKeyError,
): Promise<OpenedAccount> {
  const existing = await findOne(adapter, email);
  if (existing !== null) return { id: existing, created: false };
  try {
    return { id: await insert(), created: true };
  } catch (error) {
    // Another writer inserted the same unique email first.
    if (!isDuplicate(error)) throw error;
    const winner = await findOne(adapter, email);
    if (winner === null) throw error;
    return { id: winner, created: false };
  }
}

async function findOne(adapter: Pick<PlatformAdapter, 'platform' | 'findByEmail'>, email: string): Promise<string | null> {
  const found = await adapter.findByEmail(email);
  if (found.length > 1) {
    const ids = found.map((record) => record.id).join(', ');
    throw new AccountError(codes.EMAIL_AMBIGUOUS, adapter.platform, `${found.length} ${adapter.platform} accounts have the email (${ids}); a person must merge them first`);
  }
  return found[0]?.id ?? null;
}
