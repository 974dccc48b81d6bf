import { isDeepStrictEqual } from 'node:util';
import type { Collection, Document, Filter, FindCursor, FindOptions, ObjectId } from 'mongodb';
import type { WriteOutcome } from './platform-adapter.ts';

/*
 * Compare-and-set on the link fields of one MongoDB document, shared by the CRM and OmniStack
 * adapters. A write's filter names the document's `_id` and the exact prior value of every link
 * field (or its absence), so a write based on a stale read matches nothing and answers 'stale'.
 */

/** One field as read: absent, or present with its exact stored value (null included). */
export type FieldState = { readonly present: false } | { readonly present: true; readonly value: unknown };

/**
 * Read options of the adapters: BSON numbers stay Int32/Double/Long objects, so that a value
 * written back (a foreign entry, a compare-and-set operand) keeps its exact type and precision.
 */
export const EXACT_READ: Pick<FindOptions, 'promoteValues'> = Object.freeze({ promoteValues: false });

export function fieldState(document: Document, field: string): FieldState {
  return Object.hasOwn(document, field) ? { present: true, value: document[field] } : { present: false };
}

export function valueOf(state: FieldState): unknown {
  return state.present ? state.value : undefined;
}

export function isFieldState(value: unknown): value is FieldState {
  return typeof value === 'object' && value !== null && typeof (value as { present?: unknown }).present === 'boolean';
}

/** What a write does to the link fields: new values, and fields to remove. Empty = nothing to do. */
export interface FieldUpdate {
  readonly set: Readonly<Record<string, unknown>>;
  readonly unset: readonly string[];
}

/** The update that turns each field's prior state into its next one (undefined = absent). */
export function fieldUpdate(prior: Readonly<Record<string, FieldState>>, next: Readonly<Record<string, unknown>>): FieldUpdate {
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [field, value] of Object.entries(next)) {
    const state = prior[field] ?? { present: false };
    if (value === undefined) {
      if (state.present) unset.push(field);
    } else if (!state.present || !isDeepStrictEqual(state.value, value)) {
      set[field] = value;
    }
  }
  return { set, unset };
}

/**
 * The filter that matches the document only while every field is as read. A present value is
 * compared with `$expr` and `$literal`: `$literal` keeps a stored `{"$ne": null}` a value rather
 * than an operator, and aggregation equality is exact for arrays (the query language's `$eq`
 * would also match an array that merely contains the operand). `$exists` separates null from absent.
 */
export function unchangedFilter(id: ObjectId, prior: Readonly<Record<string, FieldState>>): Filter<Document> {
  const filter: Document = { _id: id };
  const equalities: Document[] = [];
  for (const [field, state] of Object.entries(prior)) {
    filter[field] = { $exists: state.present };
    if (state.present) equalities.push({ $eq: [`$${field}`, { $literal: state.value }] });
  }
  if (equalities.length > 0) filter.$expr = { $and: equalities };
  return filter;
}

/**
 * Applies `update` if the fields are still as read. `extraSet` (such as `updatedAt`) is written
 * with a real change only. No change at all answers 'written' without a round trip.
 */
export async function compareAndSetFields(
  collection: Collection,
  id: ObjectId,
  prior: Readonly<Record<string, FieldState>>,
  update: FieldUpdate,
  extraSet: Readonly<Record<string, unknown>> = {},
): Promise<WriteOutcome> {
  if (Object.keys(update.set).length === 0 && update.unset.length === 0) return 'written';
  const operations: Document = { $set: { ...update.set, ...extraSet } };
  if (update.unset.length > 0) operations.$unset = Object.fromEntries(update.unset.map((field) => [field, '']));
  const result = await collection.updateOne(unchangedFilter(id, prior), operations);
  return result.matchedCount === 1 ? 'written' : 'stale';
}

/**
 * Yields a cursor's documents one server batch at a time: `hasNext` fetches a batch (one find or
 * getMore) only when the buffer is empty, and the batch is taken whole. The cursor is closed when
 * the caller stops early.
 */
export async function* cursorBatches<T>(cursor: FindCursor<T>): AsyncGenerator<T[]> {
  try {
    while (await cursor.hasNext()) yield cursor.readBufferedDocuments();
  } finally {
    await cursor.close();
  }
}
