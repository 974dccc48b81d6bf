import type { FindingRow } from '../ledger/ledger.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { AuditIssue, PersonEvaluation } from './audit-model.ts';

/** The rule behind each issue kind, for its provenance (reconcile uses the same for its findings). */
const ISSUE_RULE: Readonly<Record<Exclude<AuditIssue['kind'], 'conflict'>, string>> = {
  orphan: 'id-claim',
  'malformed-id': 'id-claim',
  missing: 'gather',
  'missing-link': 'id-claim',
  'supabase-id-mismatch': 'id-claim',
  oversized: 'gather',
};
const CONFLICT_RULE = { newest: 'newest-wins', manual: 'manual' } as const;

export interface IssueContext {
  readonly trigger: Trigger;
  /** The run id: the job id of the audit or cleanup that saw the issue. */
  readonly runId: string;
}

/**
 * Findings rows for the ledger, shaped as reconcile shapes its own (kind, person, platform, record,
 * and every other field as detail), so an issue seen by an audit and by a reconcile is one row.
 */
export function issueRows(person: PersonEvaluation, context: IssueContext): FindingRow[] {
  return person.issues.map((issue) => issueRow(person.personKey, issue, context));
}

export function issueRow(personKey: string, issue: AuditIssue, context: IssueContext): FindingRow {
  const { kind, platform, ...detail } = issue;
  const recordId = 'recordId' in issue ? issue.recordId : null;
  const rule = issue.kind === 'conflict' ? CONFLICT_RULE[issue.policy] : ISSUE_RULE[issue.kind];
  return {
    kind,
    personKey,
    platform,
    recordId,
    detail: { ...detail },
    provenance: { trigger: context.trigger, jobId: context.runId, rule },
    auditRunId: context.runId,
  };
}

