import type { Links, Platform, RecordKey } from '../ids/index.ts';
import { FINDING_KINDS } from '../ledger/findings.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import type { Finding, GatheredRecord, LinkPatch } from '../reconcile/plan-model.ts';

/*
 * What the set-based audit (issue 6) works on: every scanned record grouped into people the way
 * gather would group them, each group planned with the reconcile planner, and the issues found.
 */

/** One person as the audit sees them: the same shape gather hands to the planner. */
export interface PersonGroup {
  /** The record a reconcile of this person is enqueued from: its first record in PLATFORMS-then-id order. */
  readonly origin: RecordKey;
  readonly records: readonly GatheredRecord[];
  /** Ids the records claim on scanned platforms that no scanned record has. */
  readonly absent: readonly RecordKey[];
}

/** A member lacks any link to another member (nothing else explains the write it needs). */
export interface MissingLinkIssue {
  readonly kind: 'missing-link';
  readonly platform: Platform;
  readonly recordId: string;
  readonly linkPlatform: Platform;
  readonly linkId: string;
}

/**
 * A CRM user whose `supabaseId` and `externalIds.supabase` hold two different valid ids, while
 * Supabase itself cannot be read (no adapter): nothing can tell which one is right.
 */
export interface SupabaseIdMismatchIssue {
  readonly kind: 'supabase-id-mismatch';
  readonly platform: 'crm';
  readonly recordId: string;
  readonly mapId: string;
  readonly supabaseIds: readonly string[];
}

/** More records than gather may span (codes.GATHER_LIMIT): a reconcile would fail, so nothing is planned. */
export interface OversizedIssue {
  readonly kind: 'oversized';
  readonly platform: Platform;
  readonly recordId: string;
  readonly records: number;
}

export type AuditIssue = Finding | MissingLinkIssue | SupabaseIdMismatchIssue | OversizedIssue;
export type IssueKind = AuditIssue['kind'];

/**
 * Every issue kind, in the order reports list them: the ledger's finding kinds but the profile
 * propagation's 'email-taken', which no audit finds.
 */
export const ISSUE_KINDS: readonly IssueKind[] = Object.freeze(FINDING_KINDS.filter((kind): kind is IssueKind => kind !== 'email-taken'));

/** One person's audit result. */
export interface PersonEvaluation {
  /** The ledger's key for the person, as reconcile computes it: `crm:<id>` when decided, else the origin. */
  readonly personKey: string;
  /** The decided CRM record's id (sync_status.user_id); null when the person has none. */
  readonly userId: string | null;
  readonly origin: RecordKey;
  readonly members: Links;
  /** The person's scanned records on synced platforms, as read (their snapshots guard a write). */
  readonly records: readonly PersonRecord[];
  /** What a reconcile of this person would write now (empty for a consistent person). */
  readonly patches: readonly LinkPatch[];
  readonly issues: readonly AuditIssue[];
  /** Members' platforms with nothing to write and no issue about them. */
  readonly platformsInSync: readonly Platform[];
}
