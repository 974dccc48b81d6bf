import type { RecordKey } from '../ids/index.ts';
import type { IssueKind, PersonEvaluation } from './audit-model.ts';
import { ISSUE_KINDS } from './audit-model.ts';
import { plannedWrites } from './planned-writes.ts';

/**
 * What an audit report counts, kept as people stream past so that none of them has to be held:
 * the counts, and the origins of the people with a write planned (the repairs to enqueue).
 */
export class AuditTally {
  people = 0;
  inconsistent = 0;
  plannedWrites = 0;
  readonly issues: Record<IssueKind, number> = Object.fromEntries(ISSUE_KINDS.map((kind) => [kind, 0])) as Record<IssueKind, number>;
  readonly repairs: RecordKey[] = [];

  add(person: PersonEvaluation): void {
    this.people += 1;
    if (person.issues.length > 0) this.inconsistent += 1;
    for (const issue of person.issues) this.issues[issue.kind] += 1;
    // Most people have nothing to write: no planned-write rows are built for them.
    if (person.patches.length === 0) return;
    this.plannedWrites += plannedWrites([person]).length;
    this.repairs.push(person.origin);
  }
}
