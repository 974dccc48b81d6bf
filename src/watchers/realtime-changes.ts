import { parseRawId } from '../ids/index.ts';

/**
 * What one Realtime `postgres_changes` message means for idsync. Realtime hands over the row
 * itself, but reconcile reads fresh state anyway, so only the row's `id` is used:
 * - `upsert`: an inserted or updated user, to reconcile;
 * - `delete`: a deleted user, whose claimers are reconciled (as for the other transports);
 * - `unnamed`: a change that names no user (Realtime replaces a row it could not send, e.g. one
 *   over its size limit, with `errors`); which user changed is unknown, so the caller backfills;
 * - `malformed`: an id that is not a Supabase UUID; it never will be, so it is skipped.
 */
export type RealtimeChange =
  | { readonly kind: 'upsert' | 'delete'; readonly id: string; readonly committedAt: string }
  | { readonly kind: 'unnamed'; readonly reason: string; readonly committedAt: string }
  | { readonly kind: 'malformed'; readonly reason: string };

/** The part of supabase-js's `RealtimePostgresChangesPayload` that idsync reads. */
export interface PostgresChangesPayload {
  readonly eventType?: unknown;
  readonly commit_timestamp?: unknown;
  readonly new?: unknown;
  readonly old?: unknown;
  readonly errors?: unknown;
}

const NO_COMMIT_TIME = 'unknown';

/** Decides what a `postgres_changes` payload asks for; pure, so that every shape is tested. */
export function describeRealtimeChange(payload: PostgresChangesPayload): RealtimeChange {
  const committedAt = typeof payload.commit_timestamp === 'string' ? payload.commit_timestamp : NO_COMMIT_TIME;
  if (payload.eventType !== 'INSERT' && payload.eventType !== 'UPDATE' && payload.eventType !== 'DELETE') {
    return { kind: 'malformed', reason: `unknown event type (${typeof payload.eventType})` };
  }
  const kind = payload.eventType === 'DELETE' ? 'delete' : 'upsert';
  const row = kind === 'delete' ? payload.old : payload.new;
  const id = isRecord(row) && Object.hasOwn(row, 'id') ? row.id : undefined;
  if (id === undefined || id === null) {
    const errors = Array.isArray(payload.errors) ? payload.errors.length : 0;
    return { kind: 'unnamed', reason: errors > 0 ? `the server sent ${errors} error(s) instead of the row` : 'the row has no id', committedAt };
  }
  const parsed = parseRawId('supabase', id);
  if (!parsed.ok) return { kind: 'malformed', reason: parsed.reason };
  return { kind, id: parsed.id, committedAt };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
