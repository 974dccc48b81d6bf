import type { Job } from 'bullmq';
import type { Config } from '../config/load-config.ts';
import type { MetricsRecorder } from '../metrics/metrics.ts';
import { countWrites, recordReconciled } from '../metrics/observe.ts';
import { describeError } from '../logging/describe-error.ts';
import type { Logger } from '../logging/logger.ts';
import { reconcileJobSchema } from '../queues/job-payloads.ts';
import type { Queues } from '../queues/queues.ts';
import { laneOf } from '../queues/reconcile-lanes.ts';
import { coalesceLookups } from '../link-index/coalesce-lookups.ts';
import type { LinkIndex } from '../link-index/link-index.ts';
import { coalesceReads } from '../platforms/coalesce.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';
import { reconcilePerson } from '../reconcile/reconcile-person.ts';
import type { ReconcileContext, ReconcileDependencies, ReconcileOutcome } from '../reconcile/reconcile-person.ts';
import { invalidPayload } from './job-errors.ts';

export interface ReconcileProcessorOptions {
  /** Counts link writes per platform and the change-to-consistent time. Default: none. */
  metrics?: MetricsRecorder;
  /**
   * Where a profile goes when the reconcile could not propagate it: a `propagate profile` job, with
   * retries of its own. For a propagation that failed (rather than fail, and redo whole, a
   * reconcile whose writes all landed), and for a CRM user whose reconcile failed (a name edit does
   * not wait on a reconcile that may never complete, one over the gather limit, say). Default:
   * none (a failed propagation fails the reconcile job).
   */
  queues?: Pick<Queues, 'enqueuePropagateProfile'>;
  /**
   * Whether people's jobs in the bulk lane share their reads by key with the process's other bulk
   * reconciles (src/platforms/coalesce.ts): a backfill's throughput, while the changed and live
   * lanes send their reads at once, never behind another job's. Default: false.
   */
  shareBulkReads?: boolean;
}

export interface ReconcileProcessorDependencies extends ReconcileDependencies {
  /** Adapters over the client collections, for jobs named 'client'. Default: none (such jobs reconcile nothing). */
  readonly clientAdapters?: Adapters;
  /** The clients' link index, for jobs named 'client'. Default: the people's (`links`), which then holds clients too. */
  readonly clientLinks?: LinkIndex;
}

/**
 * The reconcile queue's processor: one person per 'user' job, one client per 'client' job.
 * Clients go through the same engine with their own adapters; only the CRM and
 * OmniStack hold clients, so only those platforms are decided for them, and they have no profile.
 */
export function createReconcileProcessor(
  deps: ReconcileProcessorDependencies,
  config: Pick<Config, 'platforms' | 'requiredPlatforms' | 'policy'>,
  options: ReconcileProcessorOptions = {},
) {
  const { metrics } = options;
  const { users, bulkUsers, clients } = dependenciesByKind(deps, options);
  const clientPlatforms = config.platforms.filter((platform) => deps.clientAdapters?.[platform] !== undefined);
  return async (job: Job): Promise<ReconcileOutcome> => {
    const parsed = reconcileJobSchema.safeParse(job.data);
    if (!parsed.success) throw invalidPayload(parsed.error);
    const { trigger, ...origin } = parsed.data;
    const isClient = job.name === 'client';
    // The lane goes into the job's log lines: whether a write came from a live change or bulk work.
    const lane = laneOf(job.opts);
    const base = isClient ? clients : lane === 'bulk' ? bulkUsers : users;
    const reconcileDeps = { ...base, logger: base.logger.child({ lane }) };
    const context = { trigger, jobId: job.id ?? 'unknown' };
    const outcome = await reconcilePerson(reconcileDeps, origin, context, {
      platforms: isClient ? clientPlatforms : config.platforms,
      required: isClient ? clientPlatforms : config.requiredPlatforms,
      conflictPolicy: config.policy.conflict,
      unlessSettled: lane === 'changed',
      // A retry, or a job taken over from a worker that stopped: its last run may have written.
      resumed: job.attemptsStarted > 1,
    }).catch(async (error: unknown) => {
      // Only people's reconciles propagate a profile (clients' dependencies have none).
      if (origin.platform === 'crm' && base.propagateProfile) await handProfileToJob(origin.id, context, options.queues, base.logger);
      throw error;
    });
    if (metrics) recordReconciled(job, metrics);
    return outcome;
  };
}

/** People's reconciles (the bulk lane's with shared reads) and clients': writes counted, and only people have a profile. */
function dependenciesByKind(deps: ReconcileProcessorDependencies, options: ReconcileProcessorOptions) {
  const { metrics, queues } = options;
  const count = (adapters: Adapters) => (metrics ? countWrites(adapters, metrics) : adapters);
  const propagate = deps.propagateProfile;
  const users: ReconcileDependencies = {
    ...deps,
    adapters: count(deps.adapters),
    propagateProfile: propagate && queues ? handOnFailure(propagate, queues, deps.logger) : propagate,
  };
  const bulkUsers: ReconcileDependencies = options.shareBulkReads
    ? { ...users, adapters: count(coalesceReads(deps.adapters)), links: coalesceLookups(deps.links) }
    : users;
  const clients: ReconcileDependencies = {
    ...deps,
    adapters: count(deps.clientAdapters ?? {}),
    links: deps.clientLinks ?? deps.links,
    propagateProfile: undefined,
  };
  return { users, bulkUsers, clients };
}

/** A propagation that fails is logged and enqueued as a `propagate profile` job: the reconcile itself completed. */
function handOnFailure(
  propagate: NonNullable<ReconcileDependencies['propagateProfile']>,
  queues: Pick<Queues, 'enqueuePropagateProfile'>,
  logger: Logger,
): ReconcileDependencies['propagateProfile'] {
  return async (crmId, context) => {
    try {
      await propagate(crmId, context);
    } catch (error) {
      logger.warn({ personKey: `crm:${crmId}`, jobId: context.jobId, err: describeError(error) }, 'profile not propagated by the reconcile; enqueued as a job');
      await queues.enqueuePropagateProfile(crmId, context.trigger);
    }
  };
}

/**
 * A failed CRM reconcile's profile, handed to a job. Enqueueing it may fail too (Redis gone): that
 * is logged, and the reconcile's own error is the one the job fails with, since it says what to mend.
 */
async function handProfileToJob(
  crmId: string,
  context: ReconcileContext,
  queues: Pick<Queues, 'enqueuePropagateProfile'> | undefined,
  logger: Logger,
): Promise<void> {
  try {
    await queues?.enqueuePropagateProfile(crmId, context.trigger);
  } catch (error) {
    logger.warn({ personKey: `crm:${crmId}`, jobId: context.jobId, err: describeError(error) }, 'the failed reconcile could not hand the profile to a job');
  }
}
