import type { Pool } from 'pg';
import { z } from 'zod';
import { PLATFORMS } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';

/**
 * Every kind of finding the ledger holds: the reconcile planner's (src/reconcile/plan-model.ts
 * `Finding`), the audit's own (src/audit/audit-model.ts `AuditIssue`) and the profile propagation's
 * 'email-taken'.
 */
export const FINDING_KINDS = Object.freeze([
  'conflict',
  'orphan',
  'malformed-id',
  'missing',
  'missing-link',
  'supabase-id-mismatch',
  'oversized',
  'email-taken',
] as const);

export type FindingKind = (typeof FINDING_KINDS)[number];

export const DEFAULT_FINDINGS_LIMIT = 50;
export const MAX_FINDINGS_LIMIT = 1000;
/** Far beyond any page an operator walks to; bounds what Postgres is asked to skip. */
export const MAX_FINDINGS_OFFSET = 1_000_000;

/**
 * One page of findings, as `idsync findings` and GET /api/findings ask for it. Strict: an unknown
 * parameter is an error. Numbers arrive as query-string text, hence the coercion.
 */
export const findingsQuerySchema = z.strictObject({
  /** Only findings of this kind. Default: every kind. */
  kind: z.enum(FINDING_KINDS, { error: `must be one of ${FINDING_KINDS.join(', ')}` }).optional(),
  /** Only findings about a record of this platform. Default: every platform. */
  platform: z.enum(PLATFORMS, { error: `must be one of ${PLATFORMS.join(', ')}` }).optional(),
  /** Findings per page. Default: 50. */
  limit: z.coerce.number().int().min(1).max(MAX_FINDINGS_LIMIT).default(DEFAULT_FINDINGS_LIMIT),
  /** Findings to skip: the `nextOffset` of the page before. Default: 0. */
  offset: z.coerce.number().int().min(0).max(MAX_FINDINGS_OFFSET).default(0),
});

export type FindingsQuery = z.output<typeof findingsQuerySchema>;

/** One finding: who, where, what, by which rule and when. Ids and reasons only. */
export interface FindingEntry {
  /** '<platform>:<id>' of the record the person was reached from. */
  readonly personKey: string;
  /** The person's CRM user id when the person key names one, else null. */
  readonly crmUserId: string | null;
  readonly platform: Platform;
  readonly recordId: string | null;
  readonly kind: string;
  /** The rule that decided (provenance.rule of the latest sighting). */
  readonly rule: string;
  readonly detail: Record<string, unknown>;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  readonly occurrences: number;
  readonly auditRunId: string | null;
}

export interface FindingsPage {
  readonly findings: readonly FindingEntry[];
  /** The offset of the next page, or null when this is the last one. */
  readonly nextOffset: number | null;
}

interface FindingDbRow {
  person_key: string;
  platform: Platform;
  record_id: string | null;
  kind: string;
  rule: string;
  detail: Record<string, unknown>;
  first_seen_at: Date;
  last_seen_at: Date;
  occurrences: number;
  audit_run_id: string | null;
}

// Newest sighting first; the id breaks ties so that pages never overlap or skip a row.
const LIST = `
select person_key, platform, record_id, kind, provenance->>'rule' as rule, detail,
  first_seen_at, last_seen_at, occurrences, audit_run_id
from findings
where ($1::text is null or kind = $1) and ($2::text is null or platform = $2)
order by last_seen_at desc, id desc
limit $3 offset $4`;

const CRM_PREFIX = 'crm:';

/** A page of the ledger's findings, newest first. One extra row is read to tell whether another page follows. */
export async function listFindings(pool: Pool, query: FindingsQuery): Promise<FindingsPage> {
  const { rows } = await pool.query<FindingDbRow>(LIST, [query.kind ?? null, query.platform ?? null, query.limit + 1, query.offset]);
  const more = rows.length > query.limit;
  return { findings: rows.slice(0, query.limit).map(fromRow), nextOffset: more ? query.offset + query.limit : null };
}

function fromRow(row: FindingDbRow): FindingEntry {
  return {
    personKey: row.person_key,
    crmUserId: row.person_key.startsWith(CRM_PREFIX) ? row.person_key.slice(CRM_PREFIX.length) : null,
    platform: row.platform,
    recordId: row.record_id,
    kind: row.kind,
    rule: row.rule,
    detail: row.detail,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    occurrences: row.occurrences,
    auditRunId: row.audit_run_id,
  };
}
