import fc from 'fast-check';
import { MongoServerError, ObjectId, Timestamp } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { classifyChange } from '../../../src/watchers/mongo-events.ts';
import { isResumeFailure, parsePosition, positionFromClock, serializePosition } from '../../../src/watchers/mongo-position.ts';

const ID = new ObjectId('65f0a1b2c3d4e5f6a7b8c9d0');

describe('classifyChange', () => {
  it.each(['insert', 'update', 'replace'])('names the record of a %s by its canonical ObjectId', (operationType) => {
    expect(classifyChange('crm', { operationType, documentKey: { _id: ID } })).toEqual({ kind: 'changed', id: ID.toHexString() });
  });

  it('names the deleted record of a delete', () => {
    expect(classifyChange('omnistack', { operationType: 'delete', documentKey: { _id: ID } })).toEqual({ kind: 'deleted', id: ID.toHexString() });
  });

  it('reads only the _id of a documentKey that carries more (a sharded collection’s shard key)', () => {
    const event = { operationType: 'update', documentKey: { email: 'someone@example.com', _id: ID } };
    expect(classifyChange('crm', event)).toEqual({ kind: 'changed', id: ID.toHexString() });
  });

  it('calls a record write whose documentKey has no _id malformed (MongoDB always sends one)', () => {
    for (const documentKey of [{ $set: { name: 'n' } }, undefined, null, 'someone@example.com']) {
      expect(classifyChange('crm', { operationType: 'update', documentKey })).toEqual({ kind: 'malformed', reason: 'documentKey has no _id' });
    }
  });

  it('describes a key that is not an ObjectId by its type only, never its value', () => {
    for (const value of ['someone@example.com', ID.toHexString(), { $ne: null }, 42, null, ['x']]) {
      const change = classifyChange('crm', { operationType: 'insert', documentKey: { _id: value } });
      expect(change.kind).toBe('malformed');
      expect(JSON.stringify(change)).not.toContain('example.com');
      expect(JSON.stringify(change)).not.toContain(ID.toHexString());
    }
  });

  it('ends the stream on invalidate and ignores events that change no record', () => {
    expect(classifyChange('crm', { operationType: 'invalidate' })).toEqual({ kind: 'invalidated' });
    for (const operationType of ['drop', 'rename', 'dropDatabase', 'createIndexes', undefined, { $ne: null }]) {
      expect(classifyChange('crm', { operationType, documentKey: { _id: ID } })).toEqual({ kind: 'ignored' });
    }
  });

  it('never throws, whatever the event holds', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (operationType, documentKey) => {
        expect(() => classifyChange('omnistack', { operationType, documentKey })).not.toThrow();
      }),
    );
  });
});

describe('stream positions', () => {
  it('round-trips a resume token and an operation time through the checkpoint text', () => {
    const token = { resumeAfter: { _data: '8265F0A1B2000000012B' } };
    expect(parsePosition(serializePosition(token))).toEqual(token);
    const time = { startAtOperationTime: new Timestamp({ t: 1_700_000_000, i: 3 }) };
    const parsed = parsePosition(serializePosition(time));
    expect(parsed).toEqual(time);
    expect(parsed && 'startAtOperationTime' in parsed && parsed.startAtOperationTime).toBeInstanceOf(Timestamp);
  });

  it('refuses checkpoint text that is not a position', () => {
    for (const text of ['', 'null', '{}', '[1]', '{"resumeAfter": 3}', '{"startAtOperationTime": 5}', 'not json']) {
      expect(parsePosition(text)).toBeNull();
    }
  });

  it('puts the clock fallback the margin before now, in whole seconds', () => {
    const position = positionFromClock(1_700_000_010_500, 5_000);
    expect(position).toEqual({ startAtOperationTime: new Timestamp({ t: 1_700_000_005, i: 0 }) });
  });
});

describe('isResumeFailure', () => {
  const serverError = (code?: number) => new MongoServerError({ message: 'refused', ...(code === undefined ? {} : { code }) });

  it('is true for the codes MongoDB refuses a position with (history lost, bad or unusable token)', () => {
    for (const code of [2, 9, 136, 260, 280, 286]) expect(isResumeFailure(serverError(code))).toBe(true);
  });

  it('is false for a codeless or other server error, a retryable one, and anything not from the server', () => {
    expect(isResumeFailure(serverError())).toBe(false);
    expect(isResumeFailure(serverError(11000))).toBe(false);
    expect(isResumeFailure(serverError(91))).toBe(false); // ShutdownInProgress: retryable
    expect(isResumeFailure(new Error('refused'))).toBe(false);
  });
});
