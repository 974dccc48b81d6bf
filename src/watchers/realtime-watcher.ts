import { createClient } from '@supabase/supabase-js';
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { withTimeout } from '../deadline.ts';
import type { Logger } from '../logging/logger.ts';
import type { RealtimeWatch } from '../platforms/watch-spec.ts';
import type { Queues } from '../queues/queues.ts';
import type { BackfillJobData } from '../jobs/maintenance-payloads.ts';
import { changeTrigger } from './change-sink.ts';
import type { ChangeSink } from './change-sink.ts';
import type { LeaderWork } from './leadership.ts';
import { describeError } from '../logging/describe-error.ts';
import { describeRealtimeChange } from './realtime-changes.ts';
import type { PostgresChangesPayload } from './realtime-changes.ts';
import { RealtimeChannelError } from './watcher-errors.ts';

/** A table seen through Supabase Realtime: Supabase's `auth.users` with `SUPABASE_WATCH=realtime`. */
export interface RealtimeSource extends RealtimeWatch {
  /** Stable name: in logs, Redis keys and job triggers. Example: 'supabase.auth.users'. */
  readonly name: string;
}

export interface RealtimeWatcherOptions {
  readonly source: RealtimeSource;
  readonly sink: ChangeSink;
  /** Receives the backfill that covers each window in which the channel was not listening. */
  readonly queues: Queues;
  readonly logger: Logger;
  /** How long joining the channel, or leaving it on stop, may take, in ms. Default: 10000. */
  joinTimeoutMs?: number;
  /** How often the socket proves it is alive (Phoenix heartbeat), in ms. Default: 25000. */
  heartbeatIntervalMs?: number;
  /** Called once per row change received (for the change-event counter). Default: none. */
  onChangeEvent?: (source: string) => void;
}

const DEFAULTS = { joinTimeoutMs: 10_000, heartbeatIntervalMs: 25_000 } as const;

/** Payload of the channel's `system` message that tells whether the Postgres listener is attached. */
interface SystemPayload {
  readonly extension?: unknown;
  readonly status?: unknown;
  readonly message?: unknown;
}

/**
 * Listens to `postgres_changes` on the table through supabase-js while this process leads the
 * source. Realtime keeps no position: what happens while the channel is not listening is never
 * delivered. So each time the server confirms the listener is attached (its `system` message,
 * which comes after the join's SUBSCRIBED status), a backfill of every Supabase user is
 * enqueued; any later trouble with the channel ends the work, and the leader loop joins again,
 * which enqueues the next backfill. Nothing is silently missed, at the cost of a scan per join.
 */
export function realtimeWatcher(options: RealtimeWatcherOptions): LeaderWork {
  return async (signal) => {
    const joinTimeoutMs = options.joinTimeoutMs ?? DEFAULTS.joinTimeoutMs;
    const client = createClient(options.source.url, options.source.serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      realtime: { timeout: joinTimeoutMs, heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs },
    });
    const channel = client.channel(`idsync:${options.source.name}`);
    let onAbort: () => void = () => undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        onAbort = () => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        listen(channel, options, reject);
      });
    } finally {
      signal.removeEventListener('abort', onAbort);
      await leave(client, joinTimeoutMs, options);
    }
  };
}

function listen(channel: RealtimeChannel, options: RealtimeWatcherOptions, fail: (error: unknown) => void): void {
  const { source } = options;
  // One change at a time, in arrival order; the first failure ends the work (and the next join backfills).
  let pending: Promise<void> = Promise.resolve();
  const serially = (step: () => Promise<unknown>) => {
    pending = pending.then(step).then(() => undefined, fail);
  };
  channel
    .on('postgres_changes', { event: '*', schema: source.table.schema, table: source.table.name }, (payload: PostgresChangesPayload) => {
      options.onChangeEvent?.(source.name);
      serially(() => enqueueChange(payload, options));
    })
    .on('system', {}, (payload: SystemPayload) => {
      if (payload.extension !== 'postgres_changes') return;
      if (payload.status === 'ok') serially(() => enqueueGapBackfill(options));
      else fail(new RealtimeChannelError(source.name, 'listener refused', typeof payload.message === 'string' ? payload.message : undefined));
    })
    .subscribe((status, error) => {
      if (status !== 'SUBSCRIBED') fail(new RealtimeChannelError(source.name, status.toLowerCase(), error?.message));
    });
}

async function enqueueChange(payload: PostgresChangesPayload, options: RealtimeWatcherOptions): Promise<void> {
  const { source, sink, logger } = options;
  const change = describeRealtimeChange(payload);
  if (change.kind === 'malformed') {
    logger.warn({ source: source.name, reason: change.reason }, 'change event names a malformed id; skipped');
    return;
  }
  const trigger = changeTrigger(source.name, `commit:${change.committedAt}`);
  if (change.kind === 'unnamed') {
    logger.warn({ source: source.name, reason: change.reason }, 'change event names no record; backfilling the table');
    await enqueueBackfill(options, trigger);
    return;
  }
  const key = { platform: source.platform, id: change.id };
  if (change.kind === 'delete') await sink.reconcileClaimers(key, trigger);
  else await sink.reconcile([{ key, trigger }]);
}

async function enqueueGapBackfill(options: RealtimeWatcherOptions): Promise<void> {
  const jobId = await enqueueBackfill(options, changeTrigger(options.source.name, `subscribed:${new Date().toISOString()}`));
  options.logger.info({ source: options.source.name, backfillJobId: jobId }, 'watching');
}

/**
 * The maintenance `backfill` job of the platform (the one backfill, src/jobs/backfill.ts, as the CLI
 * and the API ask for it): durable once in Redis, run by any worker, resumable.
 */
async function enqueueBackfill(options: RealtimeWatcherOptions, trigger: ReturnType<typeof changeTrigger>): Promise<string | undefined> {
  const data: BackfillJobData = { trigger, platforms: [options.source.platform] };
  const job = await options.queues.enqueueMaintenance('backfill', data);
  return job.id;
}

/** Leaves the channel and closes the socket; a server that no longer answers gets `joinTimeoutMs`. */
async function leave(client: SupabaseClient, timeoutMs: number, options: RealtimeWatcherOptions): Promise<void> {
  try {
    await withTimeout(client.removeAllChannels(), timeoutMs);
  } catch (error) {
    options.logger.warn({ source: options.source.name, err: describeError(error) }, 'realtime channel did not leave in time; closing the socket');
    await client.realtime.disconnect();
  }
}
