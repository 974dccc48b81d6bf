import { setTimeout as delay } from 'node:timers/promises';
import { withTimeout } from '../deadline.ts';
import type { Logger } from '../logging/logger.ts';
import { describeError } from '../logging/describe-error.ts';
import type { Lease } from './lease.ts';
import { LeaseLostError } from './watcher-errors.ts';

/** Work that runs while this process leads a source. It must return (or throw) once `signal` aborts. */
export type LeaderWork = (signal: AbortSignal) => Promise<void>;

export interface LeaderOptions {
  readonly source: string;
  readonly lease: Lease;
  readonly logger: Logger;
  /** How often the holder renews its lease, in ms. Default: a third of the lease time. */
  renewEveryMs?: number;
  /** Pause after the work fails, doubled after each further failure, in ms. Default: 500. */
  backoffMs?: number;
  /** Longest pause between two failed runs, in ms. Default: 30000. */
  maxBackoffMs?: number;
}

const DEFAULTS = { backoffMs: 500, maxBackoffMs: 30_000 } as const;

/** A standby never waits less than this between two attempts, so that a missing key is not hammered. */
const MIN_RETRY_MS = 20;

/**
 * Runs `work` only while this process holds the source's lease, until `stop` aborts; then releases
 * the lease so that a standby takes over at once instead of when it expires. A standby retries
 * when the holder's lease is due to expire (never later than one renewal period), so after a
 * holder dies the source is taken over about one lease time after that holder's last renewal.
 * Never rejects: every failure is logged and retried.
 */
export async function runAsLeader(work: LeaderWork, options: LeaderOptions, stop: AbortSignal): Promise<void> {
  const renewEveryMs = renewPeriod(options);
  let standingBy = false;
  while (!stop.aborted) {
    if (await attempt('acquire', () => options.lease.tryAcquire(), options)) {
      standingBy = false;
      await lead(work, options, stop);
      continue;
    }
    if (!standingBy) options.logger.info({ source: options.source }, 'watcher standing by');
    standingBy = true;
    const remaining = await attempt('read', () => options.lease.remainingMs(), options);
    await pause(Math.min(Math.max(Number(remaining), MIN_RETRY_MS), renewEveryMs), stop);
  }
  await attempt('release', () => options.lease.release(), options);
}

function renewPeriod(options: LeaderOptions): number {
  return options.renewEveryMs ?? Math.max(MIN_RETRY_MS, Math.floor(options.lease.leaseMs / 3));
}

async function lead(work: LeaderWork, options: LeaderOptions, stop: AbortSignal): Promise<void> {
  const leading = new AbortController();
  const onStop = () => leading.abort();
  stop.addEventListener('abort', onStop, { once: true });
  keepRenewing(options, leading);
  options.logger.info({ source: options.source }, 'watcher leading');
  try {
    await runUntilAborted(work, options, leading.signal);
  } finally {
    // Aborting also ends the renewal loop.
    leading.abort();
    stop.removeEventListener('abort', onStop);
  }
}

/** Renews every period; a renewal that fails (or cannot reach Redis in time) ends the leadership. */
function keepRenewing(options: LeaderOptions, leading: AbortController): void {
  const every = renewPeriod(options);
  const tick = async (): Promise<void> => {
    await pause(every, leading.signal);
    if (leading.signal.aborted) return;
    // A renewal that takes longer than a period may already be too late: treat it as lost.
    const renewed = await attempt('renew', () => withTimeout(options.lease.renew(), every), options);
    if (leading.signal.aborted) return;
    if (!renewed) {
      options.logger.warn({ source: options.source }, 'watcher lost its lease');
      leading.abort(new LeaseLostError(options.source));
      return;
    }
    void tick();
  };
  void tick();
}

async function runUntilAborted(work: LeaderWork, options: LeaderOptions, signal: AbortSignal): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    try {
      await work(signal);
      // Work only returns on its own after an internal restart; pause briefly all the same.
      await pause(options.backoffMs ?? DEFAULTS.backoffMs, signal);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof LeaseLostError) {
        options.logger.warn({ source: options.source }, 'watcher lost its lease');
        return;
      }
      failures += 1;
      const backoffMs = options.backoffMs ?? DEFAULTS.backoffMs;
      const retryInMs = Math.min(backoffMs * 2 ** (failures - 1), options.maxBackoffMs ?? DEFAULTS.maxBackoffMs);
      options.logger.warn({ source: options.source, err: describeError(error), retryInMs }, 'watcher failed; retrying');
      await pause(retryInMs, signal);
    }
  }
}

/** Runs a Redis step; a failure is logged and answers false (not acquired, not renewed). */
async function attempt<T>(step: string, action: () => Promise<T>, options: LeaderOptions): Promise<T | false> {
  try {
    return await action();
  } catch (error) {
    options.logger.warn({ source: options.source, step, err: describeError(error) }, 'watcher lease step failed');
    return false;
  }
}

/** Waits `ms`, or less when `signal` aborts; never rejects. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
