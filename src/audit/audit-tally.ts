import type { RecordKey } from '../ids/index.ts';
import type { IssueKind, PersonEvaluation } from './audit-model.ts';
import { ISSUE_KINDS } from './audit-model.ts';
import { plannedWrites } from './planned-writes.ts';

/** How many inconsistent people a report names. */
export const NAMED_INCONSISTENT = 10;

/** One inconsistent person as the report names them: who, and the kinds of their issues. */
export interface InconsistentPerson {
  readonly personKey: string;
  /** Their CRM user id (what `idsync status` takes); null when they have no CRM record. */
  readonly userId: string | null;
  /** Each kind once, in the order their issues came. */
  readonly kinds: readonly IssueKind[];
}

/**
 * What an audit report counts, kept as people stream past so that none of them has to be held:
 * the counts, the first inconsistent people, and the origins of the people with a write planned
 * (the repairs to enqueue).
 */
export class AuditTally {
  people = 0;
  inconsistent = 0;
  plannedWrites = 0;
  readonly issues: Record<IssueKind, number> = Object.fromEntries(ISSUE_KINDS.map((kind) => [kind, 0])) as Record<IssueKind, number>;
  readonly repairs: RecordKey[] = [];
  /** The first NAMED_INCONSISTENT inconsistent people, in scan order. */
  readonly firstInconsistent: InconsistentPerson[] = [];

  add(person: PersonEvaluation): void {
    this.people += 1;
    if (person.issues.length > 0) this.#inconsistentPerson(person);
    for (const issue of person.issues) this.issues[issue.kind] += 1;
    // Most people have nothing to write: no planned-write rows are built for them.
    if (person.patches.length === 0) return;
    this.plannedWrites += plannedWrites([person]).length;
    this.repairs.push(person.origin);
  }

  #inconsistentPerson(person: PersonEvaluation): void {
    this.inconsistent += 1;
    if (this.firstInconsistent.length >= NAMED_INCONSISTENT) return;
    const kinds = [...new Set(person.issues.map((issue) => issue.kind))];
    this.firstInconsistent.push({ personKey: person.personKey, userId: person.userId, kinds });
  }
}
