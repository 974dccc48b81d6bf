import { describe, expect, it } from 'vitest';
import { evaluatePerson } from '../../../src/audit/evaluate.ts';
import { groupRecords } from './group-records.ts';
import { plannedWrites, summarizeWrites } from '../../../src/audit/planned-writes.ts';
import { newRunId } from '../../../src/queues/run-id.ts';
import type { Platform } from '../../../src/ids/index.ts';
import { idOf, minutesIn, personRecord } from '../reconcile/builders.ts';

const SCANNED: readonly Platform[] = ['crm', 'omnistack', 'bookmaster'];

describe('plannedWrites', () => {
  it('lists each field a reconcile would change, by system and kind', () => {
    const older = personRecord('omnistack', 1, { createdAt: minutesIn(1) });
    const newer = personRecord('omnistack', 2, { createdAt: minutesIn(2), links: { crm: idOf('crm', 1) } });
    const crm = personRecord('crm', 1, { links: { omnistack: older.id, bookmaster: idOf('bookmaster', 1) }, unreadable: [] });
    const bookmaster = personRecord('bookmaster', 1, { links: { crm: crm.id, omnistack: older.id } });
    const people = [...groupRecords([crm, older, newer, bookmaster], SCANNED)].map((group) => evaluatePerson(group, { platforms: SCANNED, scanned: SCANNED }));
    const writes = plannedWrites(people);
    expect(writes.map(({ platform, recordId, field, before, after, kind }) => ({ platform, recordId, field, before, after, kind }))).toEqual([
      { platform: 'crm', recordId: crm.id, field: 'links.omnistack', before: older.id, after: newer.id, kind: 'replace' },
      { platform: 'omnistack', recordId: newer.id, field: 'links.bookmaster', before: null, after: bookmaster.id, kind: 'add' },
      { platform: 'bookmaster', recordId: bookmaster.id, field: 'links.omnistack', before: older.id, after: newer.id, kind: 'replace' },
    ]);
    expect(summarizeWrites(writes)).toEqual({
      crm: { add: 0, replace: 1, clean: 0, remove: 0 },
      omnistack: { add: 1, replace: 0, clean: 0, remove: 0 },
      bookmaster: { add: 0, replace: 1, clean: 0, remove: 0 },
    });
  });
});

describe('newRunId', () => {
  it('names the kind and time, and holds no colon (it is a BullMQ job id)', () => {
    const id = newRunId('audit', new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)));
    expect(id).toMatch(/^audit-20250102T030405Z-[0-9a-f]{8}$/);
    expect(newRunId('audit')).not.toBe(newRunId('audit'));
  });
});
