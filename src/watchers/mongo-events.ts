import { ObjectId } from 'mongodb';
import type { Document } from 'mongodb';
import { parseRawId } from '../ids/index.ts';
import type { Platform } from '../ids/index.ts';

/*
 * What a change event means for idsync, as a pure function of the event. Only `operationType` and
 * `documentKey._id` are read: reconcile reads the record's fresh state itself, so the stream never
 * asks for full documents and `updateDescription` is never needed.
 */

export type MongoChange =
  /** An insert, update or replace of the record with this canonical id. */
  | { readonly kind: 'changed'; readonly id: string }
  | { readonly kind: 'deleted'; readonly id: string }
  /** The event names a record by something that is not an ObjectId, or by nothing: never enqueued. */
  | { readonly kind: 'malformed'; readonly reason: string }
  /** The stream has ended (collection dropped or renamed): it cannot be resumed past this event. */
  | { readonly kind: 'invalidated' }
  /** Events that change no record (drop, rename, index changes): nothing to do. */
  | { readonly kind: 'ignored' };

const RECORD_WRITES = new Set(['insert', 'update', 'replace']);

export function classifyChange(platform: Platform, event: Document): MongoChange {
  const operation: unknown = event.operationType;
  if (operation === 'invalidate') return { kind: 'invalidated' };
  const deleted = operation === 'delete';
  if (!deleted && !(typeof operation === 'string' && RECORD_WRITES.has(operation))) return { kind: 'ignored' };
  const key: unknown = event.documentKey;
  // MongoDB documents `documentKey: {_id}` (plus a shard key) for every record write.
  if (typeof key !== 'object' || key === null || !Object.hasOwn(key, '_id')) return { kind: 'malformed', reason: 'documentKey has no _id' };
  const id: unknown = (key as { _id: unknown })._id;
  if (!(id instanceof ObjectId)) return { kind: 'malformed', reason: `_id is not an ObjectId (${describeType(id)})` };
  const parsed = parseRawId(platform, id.toHexString());
  if (!parsed.ok) return { kind: 'malformed', reason: parsed.reason };
  return deleted ? { kind: 'deleted', id: parsed.id } : { kind: 'changed', id: parsed.id };
}

/** The type of a value, never the value: an event's key may be anything a client wrote. */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
