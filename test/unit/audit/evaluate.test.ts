import { describe, expect, it } from 'vitest';
import { AuditTally } from '../../../src/audit/audit-tally.ts';
import { evaluatePerson } from '../../../src/audit/evaluate.ts';
import { groupRecords } from './group-records.ts';
import type { Links, Platform } from '../../../src/ids/index.ts';
import type { PersonRecord } from '../../../src/platforms/person-record.ts';
import { idOf, personRecord } from '../reconcile/builders.ts';

const SCANNED: readonly Platform[] = ['crm', 'omnistack', 'bookmaster'];
const options = { platforms: SCANNED, scanned: SCANNED };

function audit(records: readonly PersonRecord[]) {
  return [...groupRecords(records, SCANNED)].map((group) => evaluatePerson(group, options));
}

/** A person linked every way on the three scanned systems. */
function consistentPerson(seq: number): PersonRecord[] {
  const links: Links = { crm: idOf('crm', seq), omnistack: idOf('omnistack', seq), bookmaster: idOf('bookmaster', seq) };
  return SCANNED.map((platform) => {
    const { [platform]: _own, ...others } = links;
    return personRecord(platform, seq, { links: others });
  });
}

describe('evaluatePerson', () => {
  it('finds nothing for a consistent person, and calls every platform in sync', () => {
    const [person] = audit(consistentPerson(1));
    expect(person?.issues).toEqual([]);
    expect(person?.patches).toEqual([]);
    expect(person?.platformsInSync).toEqual(['crm', 'omnistack', 'bookmaster']);
    expect(person?.userId).toBe(idOf('crm', 1));
    expect(person?.personKey).toBe(`crm:${idOf('crm', 1)}`);
  });

  it('reports a link a member lacks as missing-link, and takes that member out of sync', () => {
    const records = consistentPerson(1).map((record) =>
      record.platform === 'crm' ? { ...record, links: { omnistack: idOf('omnistack', 1) } } : record,
    );
    const [person] = audit(records);
    expect(person?.issues).toEqual([
      { kind: 'missing-link', platform: 'crm', recordId: idOf('crm', 1), linkPlatform: 'bookmaster', linkId: idOf('bookmaster', 1) },
    ]);
    expect(person?.platformsInSync).toEqual(['omnistack', 'bookmaster']);
  });

  it('reports a CRM user whose supabaseId differs from externalIds.supabase while Supabase is not scanned', () => {
    const supabase = idOf('supabase', 1);
    const other = idOf('supabase', 2);
    const records = consistentPerson(1).map((record) =>
      record.platform === 'crm' ? { ...record, links: { ...record.links, supabase }, extraLinks: { supabase: [other] } } : record,
    );
    const [person] = audit(records);
    expect(person?.issues).toEqual([{ kind: 'supabase-id-mismatch', platform: 'crm', recordId: idOf('crm', 1), mapId: supabase, supabaseIds: [other] }]);
    expect(person?.patches).toEqual([]);
    const scannedToo = [...groupRecords(records, SCANNED)].map((group) => evaluatePerson(group, { ...options, scanned: [...SCANNED, 'supabase'] }));
    expect(scannedToo[0]?.issues.map((issue) => issue.kind)).not.toContain('supabase-id-mismatch');
  });

  it('does not call a write explained by a finding a missing link', () => {
    const records = consistentPerson(1).map((record) =>
      record.platform === 'crm'
        ? { ...record, links: { omnistack: idOf('omnistack', 1) }, unreadable: [{ platform: 'bookmaster' as const, value: 'x', reason: 'bad-format' as const }] }
        : record,
    );
    const [person] = audit(records);
    expect(person?.issues.map((issue) => issue.kind)).toEqual(['malformed-id']);
    expect(person?.patches).toHaveLength(1);
  });

  it('reports a group larger than gather may span as oversized, with nothing planned', () => {
    const hub = personRecord('crm', 0, { links: {} });
    const spokes = Array.from({ length: 40 }, (_, seq) => personRecord('omnistack', seq, { links: { crm: hub.id } }));
    const people = audit([hub, ...spokes]);
    expect(people[0]?.issues).toEqual([{ kind: 'oversized', platform: 'crm', recordId: hub.id, records: 32 }]);
    expect(people.every((person) => person.patches.length === 0)).toBe(true);
  });

  it('tallies people, issues by kind (every kind present), planned writes and repairs', () => {
    const orphan = personRecord('crm', 2, { links: { omnistack: idOf('omnistack', 9) } });
    const lacking = consistentPerson(3).map((record) => (record.platform === 'crm' ? { ...record, links: { omnistack: idOf('omnistack', 3) } } : record));
    const tally = new AuditTally();
    for (const person of audit([...consistentPerson(1), orphan, ...lacking])) tally.add(person);
    expect(tally.issues).toEqual({ conflict: 0, orphan: 1, 'malformed-id': 0, missing: 2, 'missing-link': 1, 'supabase-id-mismatch': 0, oversized: 0 });
    expect([tally.people, tally.inconsistent]).toEqual([3, 2]);
    // Reconcile leaves an orphan to cleanup: the one write is the lacking CRM link, the one repair its person.
    expect(tally.plannedWrites).toBe(1);
    expect(tally.repairs).toEqual([{ platform: 'crm', id: idOf('crm', 3) }]);
    expect(tally.firstInconsistent.map((person) => person.kinds).sort()).toEqual([['missing-link'], ['orphan', 'missing']]);
    expect(tally.firstInconsistent.map((person) => person.userId).sort()).toEqual([idOf('crm', 2), idOf('crm', 3)].sort());
  });

  it('names the first 10 inconsistent people only, while counting them all', () => {
    const tally = new AuditTally();
    const orphans = Array.from({ length: 12 }, (_, seq) => personRecord('crm', seq, { links: { omnistack: idOf('omnistack', 100 + seq) } }));
    for (const person of audit(orphans)) tally.add(person);
    expect(tally.inconsistent).toBe(12);
    expect(tally.firstInconsistent).toHaveLength(10);
    expect(new Set(tally.firstInconsistent.map((person) => person.personKey)).size).toBe(10);
  });
});
