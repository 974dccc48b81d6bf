import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { DefaultJobOptions, Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { formatRecordKey, requireRawId } from '../ids/index.ts';
import type { RecordKey } from '../ids/index.ts';
import type { Trigger } from '../ledger/provenance.ts';
import type { PropagateProfileJobData, ProvisionJobData, ReconcileJobData, StaffMember } from './job-payloads.ts';
import { QUEUE_NAMES } from './queue-names.ts';
import type { MaintenanceJobName } from './queue-names.ts';
import { reconcileJobOptions } from './reconcile-lanes.ts';
import type { ReconcileKind, ReconcileLane } from './reconcile-lanes.ts';
import { newRunId } from './run-id.ts';
import type { QueueName } from './queue-names.ts';

export interface QueueOptions {
  connection: Redis;
  /** Redis key prefix of every queue. Default: 'idsync'. */
  prefix?: string;
  /** Attempts per job before it stays failed. Default: 8. */
  attempts?: number;
  /** First retry delay; doubles each attempt (exponential backoff), in ms. Default: 1000. */
  backoffMs?: number;
  /** How long a reconcile waits for more events on the same record before it runs, in ms. Default: 50. */
  reconcileDebounceMs?: number;
  /** The same for a CRM user's `propagate profile` job, in ms. Default: 50. */
  propagateDebounceMs?: number;
}

export interface Queues {
  readonly byName: Readonly<Record<QueueName, Queue>>;
  /** One record's reconcile job, deduplicated per record and lane (src/queues/reconcile-lanes.ts). Defaults: 'user', 'live'. */
  enqueueReconcile(key: RecordKey, trigger: Trigger, kind?: ReconcileKind, lane?: ReconcileLane): Promise<string | undefined>;
  /** A `profile` job on `propagate` for one CRM user, deduplicated per CRM id. Throws codes.INVALID_ID for a bad id. */
  enqueuePropagateProfile(crmId: string, trigger: Trigger): Promise<string | undefined>;
  /**
   * A `create-staff-member` job on `provision` for a validated member. While a job for the same
   * email (any letter case) waits or runs, the same request answers that job's id instead.
   */
  enqueueProvision(member: StaffMember, trigger: Trigger): Promise<string | undefined>;
  /**
   * A job on `maintenance` whose id is a fresh run id (maintenance jobs are keyed by run
   * id); `runKind` names the run in that id. Default: the job's name.
   */
  enqueueMaintenance(name: MaintenanceJobName, data: object, runKind?: string): Promise<Job>;
  close(): Promise<void>;
}

const COMPLETED_KEEP_SECONDS = 24 * 60 * 60;
const COMPLETED_KEEP_COUNT = 10_000;
const FAILED_KEEP_SECONDS = 30 * 24 * 60 * 60;

export function createQueues(options: QueueOptions): Queues {
  const defaultJobOptions: DefaultJobOptions = {
    attempts: options.attempts ?? 8,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 1_000 },
    removeOnComplete: { age: COMPLETED_KEEP_SECONDS, count: COMPLETED_KEEP_COUNT },
    // Failed jobs stay inspectable in Bull Board for a month.
    removeOnFail: { age: FAILED_KEEP_SECONDS },
  };
  const prefix = options.prefix ?? 'idsync';
  const byName = Object.fromEntries(
    QUEUE_NAMES.map((name) => [name, new Queue(name, { connection: options.connection, prefix, defaultJobOptions })]),
  ) as Record<QueueName, Queue>;
  const debounceMs = options.reconcileDebounceMs ?? 50;
  const propagateDebounceMs = options.propagateDebounceMs ?? 50;
  let closed: Promise<void> | undefined;
  return {
    byName,
    enqueueReconcile: async (key, trigger, kind = 'user', lane = 'live') => {
      const data: ReconcileJobData = { platform: key.platform, id: key.id, trigger };
      const job = await byName.reconcile.add(kind, data, reconcileJobOptions(key, kind, lane, debounceMs));
      return job.id;
    },
    enqueuePropagateProfile: async (crmId, trigger) => {
      const data: PropagateProfileJobData = { crmId: requireRawId('crm', crmId), trigger };
      // The reconcile's deduplication, keyed by the CRM id: a burst of edits is one job, and an edit
      // made while the job runs is one follow-up job (the running one may have read the old profile).
      const job = await byName.propagate.add('profile', data, {
        delay: propagateDebounceMs,
        deduplication: { id: `profile:${formatRecordKey({ platform: 'crm', id: data.crmId })}`, replace: true, keepLastIfActive: true },
      });
      return job.id;
    },
    enqueueProvision: async (member, trigger) => {
      const data: ProvisionJobData = { ...member, trigger };
      // Keyed by email, hashed: a deduplication key is a Redis key, and keys are no place for an address.
      const job = await byName.provision.add('create-staff-member', data, { deduplication: { id: `staff:${emailDigest(member.email)}` } });
      return job.id;
    },
    enqueueMaintenance: (name, data, runKind = name) => byName.maintenance.add(name, data, { jobId: newRunId(runKind) }),
    close: () => (closed ??= Promise.all(Object.values(byName).map((queue) => queue.close())).then(() => undefined)),
  };
}

function emailDigest(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}
