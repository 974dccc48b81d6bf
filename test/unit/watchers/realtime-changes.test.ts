import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeRealtimeChange } from '../../../src/watchers/realtime-changes.ts';

const AT = '2026-11-24T09:30:01.412Z';

describe('describeRealtimeChange', () => {
  it('names the user of any INSERT or UPDATE by its canonical (lower-case) UUID', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.constantFrom('INSERT', 'UPDATE'), fc.boolean(), (uuid, eventType, upper) => {
        const id = upper ? uuid.toUpperCase() : uuid;
        expect(describeRealtimeChange({ eventType, commit_timestamp: AT, new: { id, email: 'x@example.com' }, old: {} })).toEqual({
          kind: 'upsert',
          id: uuid.toLowerCase(),
          committedAt: AT,
        });
      }),
    );
  });

  it('names the deleted user of a DELETE from the old row (the only one Realtime sends)', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(describeRealtimeChange({ eventType: 'DELETE', commit_timestamp: AT, new: {}, old: { id: uuid } })).toEqual({ kind: 'delete', id: uuid, committedAt: AT });
      }),
    );
  });

  it('calls a change that carries no id unnamed, saying whether the server sent errors instead of the row', () => {
    expect(describeRealtimeChange({ eventType: 'UPDATE', commit_timestamp: AT, new: {}, old: {}, errors: ['Error 413: Payload Too Large'] })).toEqual({
      kind: 'unnamed',
      reason: 'the server sent 1 error(s) instead of the row',
      committedAt: AT,
    });
    for (const row of [undefined, null, {}, { id: null }, ['id'], 'id']) {
      expect(describeRealtimeChange({ eventType: 'INSERT', commit_timestamp: AT, new: row })).toMatchObject({ kind: 'unnamed', reason: 'the row has no id' });
    }
  });

  it('calls any id that is not a UUID malformed, and its reason never quotes the value', () => {
    const notUuid = fc.oneof(
      fc.string().filter((value) => !/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(value)),
      fc.integer(),
      fc.constant({ $ne: null }),
      fc.array(fc.uuid(), { minLength: 1, maxLength: 2 }),
    );
    fc.assert(
      fc.property(notUuid, fc.constantFrom('INSERT', 'UPDATE', 'DELETE'), (id, eventType) => {
        const change = describeRealtimeChange({ eventType, commit_timestamp: AT, new: { id }, old: { id } });
        expect(change.kind).toBe('malformed');
        if (change.kind === 'malformed' && typeof id === 'string' && id.length > 2) expect(change.reason).not.toContain(id);
      }),
    );
  });

  it('calls an unknown event type malformed by its type, and a missing commit time unknown', () => {
    expect(describeRealtimeChange({ eventType: 'TRUNCATE', new: { id: 'x' } })).toEqual({ kind: 'malformed', reason: 'unknown event type (string)' });
    expect(describeRealtimeChange({ eventType: { $ne: null } })).toEqual({ kind: 'malformed', reason: 'unknown event type (object)' });
    const uuid = '5f0c1f2a-8d1e-4c57-9a43-2b7e1c0d9e61';
    expect(describeRealtimeChange({ eventType: 'INSERT', commit_timestamp: 12, new: { id: uuid } })).toEqual({ kind: 'upsert', id: uuid, committedAt: 'unknown' });
  });
});
