import { codes, IdsyncError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import type { Platform } from '../ids/index.ts';
import type { PersonRecord } from './person-record.ts';
import type { WriteOutcome } from './platform-adapter.ts';

/*
 * The `propagate profile` job copies a CRM user's name and email to the records it links
 * to. Each system that receives a profile is a ProfileTarget: it reads its record, decides (purely)
 * what differs, and writes that with compare-and-set. OmniStack and Supabase Auth have one each; a
 * link to a system that is not synced (so has no target here) is skipped.
 */

/** The systems a CRM profile goes to, in the order the job visits them. */
export const PROFILE_PLATFORMS = Object.freeze(['omnistack', 'supabase'] as const);
export type ProfilePlatform = (typeof PROFILE_PLATFORMS)[number];

/** The profile fields the CRM owns; `profile.<field>` in the ledger. */
export type ProfileField = 'email' | 'name';

/** The CRM's values exactly as stored (a target decides what it can use): never logged. */
export interface ProfileSource {
  readonly email: unknown;
  readonly name: unknown;
}

/** A CRM user's profile as stored, and its links read as reconcile reads them. */
export interface CrmProfile extends ProfileSource, Pick<PersonRecord, 'links' | 'extraLinks' | 'unreadable'> {
  /** The canonical raw id. */
  readonly id: string;
}

export interface CrmProfileReader {
  /** The user with this raw id, or null when there is none. Throws codes.INVALID_ID for a bad id. */
  read(id: string): Promise<CrmProfile | null>;
}

/** A target's record as read: what the job needs to judge it, and an opaque snapshot for the write. */
export interface TargetProfile {
  readonly platform: ProfilePlatform;
  /** The canonical raw id. */
  readonly id: string;
  /** Every CRM id the record claims (its link, then further ids): a write needs exactly the job's one. */
  readonly crmClaims: readonly string[];
  /** The profile fields as read, for the target's own plan and compare-and-set. */
  readonly snapshot: unknown;
}

/** One field the target will change, and why. The values are in `set` only, never in the ledger. */
export interface ProfileChange {
  readonly field: ProfileField;
  /** The rule that decided, for the write's provenance (e.g. 'crm-email', 'crm-name-last-space'). */
  readonly rule: string;
  /** Whether the target held a value for the field before (the ledger says that much, no more). */
  readonly hadValue: boolean;
  /** The target's own fields and their new values. */
  readonly set: Readonly<Record<string, string>>;
}

export interface ProfileTarget {
  readonly platform: ProfilePlatform;
  /** The record with this raw id, or null when it does not exist. */
  read(id: string): Promise<TargetProfile | null>;
  /** Pure: what must change for the record to show `source`; empty when it already does. */
  plan(source: ProfileSource, current: TargetProfile): ProfileChange[];
  /**
   * Writes every change in one compare-and-set on the values `current` was read with: 'stale' when
   * the record changed since. No change is a no-op answering 'written' without a round trip.
   * Throws EmailTakenError (codes.EMAIL_TAKEN) when another record holds the email.
   */
  write(current: TargetProfile, changes: readonly ProfileChange[]): Promise<WriteOutcome>;
}

export type ProfileTargets = Partial<Record<ProfilePlatform, ProfileTarget>>;

/**
 * A failure about one target record. `platform` names the system in the sync error log (the worker
 * runner reads it); the message names ids only, never the email or name involved.
 */
export class ProfileTargetError extends IdsyncError {
  readonly platform: Platform;
  readonly recordId: string;

  constructor(code: ErrorCode, platform: Platform, recordId: string, message: string) {
    super(code, message);
    this.platform = platform;
    this.recordId = recordId;
  }
}

/**
 * Why an email is taken: the store's unique index refused it (`duplicate-key`), or another record
 * already has it in another letter case or padding, which idsync's matching counts as the same
 * address though the index does not (`same-address`).
 */
export type EmailTakenReason = 'duplicate-key' | 'same-address';

/** The CRM email is another record's on `platform`: retrying cannot help until a person decides. */
export class EmailTakenError extends ProfileTargetError {
  readonly reason: EmailTakenReason;

  constructor(platform: Platform, recordId: string, reason: EmailTakenReason) {
    super(codes.EMAIL_TAKEN, platform, recordId, `the CRM email is already used by another ${platform} user; ${platform}:${recordId} keeps its email`);
    this.reason = reason;
  }
}
