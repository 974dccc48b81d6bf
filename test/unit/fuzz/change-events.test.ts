import fc from 'fast-check';
import { ObjectId } from 'mongodb';
import type { Pgoutput } from 'pg-logical-replication';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { reconcileJobSchema, triggerSchema } from '../../../src/queues/job-payloads.ts';
import type { ChangeSink, RecordChange } from '../../../src/watchers/change-sink.ts';
import { changeTrigger } from '../../../src/watchers/change-sink.ts';
import { classifyChange } from '../../../src/watchers/mongo-events.ts';
import { ReplicationFeed } from '../../../src/watchers/pg-feed.ts';
import { formatLsn, parseLsn } from '../../../src/watchers/pg-lsn.ts';
import { describeRealtimeChange } from '../../../src/watchers/realtime-changes.ts';
import { anythingArb, fuzzRuns, hostileArb, idCandidateArb, oracleId } from './hostile.ts';

/*
 * The change-event parsers fed random and hostile events: they never throw, name a record only
 * when its id is one (never accepting what is not), and always name it when it is. What they name
 * always makes a reconcile job payload the workers accept.
 */

const runs = () => ({ numRuns: fuzzRuns() });

/** A reconcile job for what a parser named must pass the job schema, whatever the position was. */
function expectJobAccepted(platform: 'crm' | 'omnistack' | 'supabase' | 'bookmaster', id: string, position: string): void {
  const trigger = changeTrigger(`${platform}.users`, position);
  expect(triggerSchema.safeParse(trigger).success).toBe(true);
  expect(reconcileJobSchema.safeParse({ platform, id, trigger }).success).toBe(true);
}

describe('MongoDB change events (classifyChange)', () => {
  const objectIdArb = fc.uint8Array({ minLength: 12, maxLength: 12 }).map((bytes) => new ObjectId(bytes));
  const keyArb = fc.oneof(objectIdArb, idCandidateArb('crm'), objectIdArb.map((id) => id.toHexString()));
  const operationArb = fc.oneof(fc.constantFrom('insert', 'update', 'replace', 'delete', 'invalidate', 'drop', 'rename', 'createIndexes', 'INSERT'), hostileArb());
  const documentKeyArb = fc.oneof(keyArb.map((_id) => ({ _id })), keyArb.map((_id) => ({ email: 'someone@example.com', _id })), hostileArb());
  const eventArb = fc.oneof(
    fc.record({ operationType: operationArb, documentKey: documentKeyArb }, { requiredKeys: [] }),
    fc.dictionary(fc.string(), anythingArb).map((fields) => fields as Record<string, unknown>),
  );

  it('never throws, and names a record only for a record write keyed by an ObjectId', () => {
    fc.assert(
      fc.property(fc.constantFrom('crm' as const, 'omnistack' as const), eventArb, (platform, event) => {
        const change = classifyChange(platform, event);
        const operation: unknown = event.operationType;
        const key: unknown = (event.documentKey as { _id?: unknown } | null | undefined)?._id;
        if (change.kind === 'changed' || change.kind === 'deleted') {
          expect(key).toBeInstanceOf(ObjectId);
          expect(change.id).toBe((key as ObjectId).toHexString());
          expect(change.kind === 'deleted').toBe(operation === 'delete');
          expect(['insert', 'update', 'replace', 'delete']).toContain(operation);
          expectJobAccepted(platform, change.id, '{"_data":"8265F0A1B2000000012B"}');
        } else if (['insert', 'update', 'replace', 'delete'].includes(operation as string)) {
          expect(change.kind).toBe('malformed');
          expect(key instanceof ObjectId && Object.hasOwn(event.documentKey as object, '_id')).toBe(false);
        }
      }),
      runs(),
    );
  });

  it('names the record of every insert, update, replace and delete keyed by an ObjectId', () => {
    fc.assert(
      fc.property(fc.constantFrom('insert', 'update', 'replace', 'delete'), objectIdArb, fc.dictionary(fc.string(), anythingArb), (operationType, id, extra) => {
        const change = classifyChange('crm', { ...extra, operationType, documentKey: { _id: id } });
        expect(change).toEqual({ kind: operationType === 'delete' ? 'deleted' : 'changed', id: id.toHexString() });
      }),
      runs(),
    );
  });
});

describe('Supabase Realtime payloads (describeRealtimeChange)', () => {
  const rowArb = fc.oneof(idCandidateArb('supabase').map((id) => ({ id, email: 'x@example.com' })), hostileArb());
  const payloadArb = fc.record(
    {
      eventType: fc.oneof(fc.constantFrom('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'insert'), hostileArb()),
      commit_timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), fc.string({ maxLength: 6_000 }), hostileArb()),
      new: rowArb,
      old: rowArb,
      errors: fc.oneof(fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), hostileArb()),
    },
    { requiredKeys: [] },
  );

  it('never throws, names a user only by a UUID of the row the event type reads, and always makes a valid job', () => {
    fc.assert(
      fc.property(payloadArb, (payload) => {
        const change = describeRealtimeChange(payload);
        const row = payload.eventType === 'DELETE' ? payload.old : payload.new;
        const rowId: unknown = typeof row === 'object' && row !== null && !Array.isArray(row) && Object.hasOwn(row, 'id') ? (row as { id: unknown }).id : undefined;
        const expected = oracleId('supabase', rowId);
        const known = ['INSERT', 'UPDATE', 'DELETE'].includes(payload.eventType as string);
        if (change.kind === 'upsert' || change.kind === 'delete') {
          expect(change.id).toBe(expected);
          expect(change.kind === 'delete').toBe(payload.eventType === 'DELETE');
          expectJobAccepted('supabase', change.id, `commit:${change.committedAt}`);
        } else if (known && expected !== undefined) {
          throw new Error(`a valid id was not named: ${change.kind}`);
        }
        if (change.kind !== 'malformed') expect(change.committedAt).toBe(typeof payload.commit_timestamp === 'string' ? payload.commit_timestamp : 'unknown');
      }),
      runs(),
    );
  });
});

const WATCHED = { schema: 'public', name: 'users' };
const relation = (name: string) => ({ tag: 'relation', schema: 'public', name }) as Pgoutput.MessageRelation;

interface RowPlan {
  readonly tag: 'insert' | 'update' | 'delete';
  readonly watched: boolean;
  readonly newId: unknown;
  readonly oldId: unknown;
}

const rowPlanArb: fc.Arbitrary<RowPlan> = fc.record({
  tag: fc.constantFrom('insert' as const, 'update' as const, 'delete' as const),
  watched: fc.boolean(),
  newId: idCandidateArb('bookmaster'),
  oldId: fc.oneof(fc.constant(undefined), idCandidateArb('bookmaster')),
});

function rowMessage(plan: RowPlan): Pgoutput.Message {
  const rel = relation(plan.watched ? WATCHED.name : 'orders');
  const old = plan.oldId === undefined ? null : { id: plan.oldId };
  if (plan.tag === 'insert') return { tag: 'insert', relation: rel, new: { id: plan.newId, email: 'someone@example.com' } };
  if (plan.tag === 'update') return { tag: 'update', relation: rel, key: old, old: null, new: { id: plan.newId } };
  return { tag: 'delete', relation: rel, key: old, old: null };
}

/** What the feed must enqueue for one transaction: valid ids of watched rows, canonical. */
function expectedOf(rows: readonly RowPlan[]) {
  const upserts = new Set<string>();
  const deletes = new Set<string>();
  for (const row of rows.filter((candidate) => candidate.watched)) {
    const newId = row.tag === 'delete' ? undefined : row.newId;
    const oldId = row.tag === 'insert' ? undefined : row.oldId;
    const upsert = newId === undefined ? undefined : oracleId('bookmaster', newId);
    const deleted = oldId === undefined || oldId === newId ? undefined : oracleId('bookmaster', oldId);
    if (upsert) upserts.add(upsert);
    if (deleted) deletes.add(deleted);
  }
  return { upserts: [...upserts].sort(), deletes: [...deletes].sort() };
}

describe('pgoutput rows (ReplicationFeed)', () => {
  it('never throws, and enqueues exactly the valid ids of the watched table per transaction, then acknowledges every commit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(rowPlanArb, { maxLength: 6 }), { minLength: 1, maxLength: 4 }), async (transactions) => {
        const reconciled: RecordChange[][] = [];
        const claimed: string[][] = [];
        // Each transaction is fed to its end before the next (as the library's flow control does), so
        // whatever the sink is handed meanwhile is that transaction's, in whichever order it comes.
        const sink: ChangeSink = {
          reconcile: async (changes) => (reconciled.at(-1)?.push(...changes), changes.length),
          reconcileClaimers: async (deleted) => (claimed.at(-1)?.push(deleted.id), 0),
          backfill: async () => 0,
        };
        const acknowledged: bigint[] = [];
        const failures: unknown[] = [];
        const feed = new ReplicationFeed({ source: 'bookmaster.users', platform: 'bookmaster', table: WATCHED, sink, logger: createLogger({ level: 'silent' }), confirmed: 0n, acknowledge: (lsn) => acknowledged.push(lsn), onFailure: (error) => failures.push(error) });
        for (const [index, rows] of transactions.entries()) {
          reconciled.push([]);
          claimed.push([]);
          await feed.onData({ tag: 'begin', commitLsn: null, commitTime: 0n, xid: index });
          for (const row of rows) await feed.onData(rowMessage(row));
          await feed.onData({ tag: 'commit', flags: 0, commitLsn: null, commitEndLsn: `0/${(index + 1) * 16}`, commitTime: 0n });
        }
        expect(failures).toEqual([]);
        expect(acknowledged.at(-1)).toBe(parseLsn(`0/${transactions.length * 16}`));
        transactions.forEach((rows, index) => {
          const expected = expectedOf(rows);
          expect(reconciled[index]?.map((change) => change.key.id).sort()).toEqual(expected.upserts);
          expect([...(claimed[index] ?? [])].sort()).toEqual(expected.deletes);
          for (const change of reconciled[index] ?? []) expect(reconcileJobSchema.safeParse({ ...change.key, trigger: change.trigger }).success).toBe(true);
        });
      }),
      runs(),
    );
  });

  it('reads any LSN text or rejects it with InvalidInputError IDSYNC_ERR_INVALID_LSN, nothing else', () => {
    const lsnArb = fc.oneof(fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })).map(([high, low]) => `${high.toString(16)}/${low.toString(16)}`), fc.string({ unit: 'binary', maxLength: 24 }), fc.constantFrom('', '/', '0/', '/0', '123456789/0', '0/0/0', ' 0/0', 'G/0'));
    fc.assert(
      fc.property(lsnArb, (text) => {
        try {
          expect(formatLsn(parseLsn(text))).toBe(text.split('/').map((half) => BigInt(`0x${half}`).toString(16).toUpperCase()).join('/'));
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          expect(error).toMatchObject({ code: 'IDSYNC_ERR_INVALID_LSN' });
        }
      }),
      runs(),
    );
  });
});
