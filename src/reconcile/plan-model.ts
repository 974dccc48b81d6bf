import type { Links, Platform, RecordKey } from '../ids/index.ts';
import type { LinkChange, PersonRecord } from '../platforms/person-record.ts';

/** Why a record belongs to the person, or why a link was written (recorded as provenance). */
export type DecisionRule = 'origin' | 'id-claim' | 'email-match' | 'newest-wins';

export interface GatheredRecord {
  readonly record: PersonRecord;
  /** How gather reached it: the record reconcile started from, an id claim, or a unique email. */
  readonly reachedBy: 'origin' | 'id-claim' | 'email-match';
}

export interface PlanInput {
  /** The record reconcile started from (it may no longer exist). */
  readonly origin: RecordKey;
  /** Every record gathered for the person: possibly several for one platform. */
  readonly records: readonly GatheredRecord[];
  /** Ids that some gathered record claims, looked up and found not to exist. */
  readonly absent: readonly RecordKey[];
  /** The platforms idsync syncs; links to any other platform are never touched. */
  readonly platforms: readonly Platform[];
  /** The platforms a person must have a record on: a missing one is a finding. Default: all of `platforms`. */
  readonly required?: readonly Platform[];
  readonly conflictPolicy: 'newest' | 'manual';
}

export interface LinkPatch extends LinkChange {
  /** The record to change, as read (its snapshot guards the write). */
  readonly record: PersonRecord;
  /** For each platform in `set` or `unset`, the rule that decided it. */
  readonly rules: Partial<Record<Platform, DecisionRule>>;
}

export type Finding =
  /** Two or more existing records of one platform belong to the person. */
  | {
      readonly kind: 'conflict';
      readonly platform: Platform;
      readonly candidates: readonly string[];
      readonly winner: string | null;
      readonly policy: 'newest' | 'manual';
    }
  /** A record claims an id whose record does not exist. */
  | { readonly kind: 'orphan'; readonly platform: Platform; readonly recordId: string; readonly claimedPlatform: Platform; readonly claimedId: string }
  /** A record's link field holds something that is not an id. `value` is never copied. */
  | {
      readonly kind: 'malformed-id';
      readonly platform: Platform;
      readonly recordId: string;
      readonly claimedPlatform: Platform | null;
      readonly reason: string;
    }
  /** The person has no record in a synced platform (reported; reconcile never creates one). */
  | { readonly kind: 'missing'; readonly platform: Platform };

export interface Plan {
  /** The one record per platform decided for the person (absent where there is none or it is undecided). */
  readonly members: Links;
  /** Only real differences: a consistent person gets an empty list. */
  readonly patches: readonly LinkPatch[];
  readonly findings: readonly Finding[];
}
