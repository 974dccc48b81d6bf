/** The BullMQ queues and their job names. */
export const QUEUE_NAMES = ['reconcile', 'provision', 'propagate', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export const JOB_NAMES = {
  reconcile: ['user', 'client'],
  provision: ['create-staff-member'],
  propagate: ['profile'],
  maintenance: ['audit', 'cleanup-orphans', 'backfill'],
} as const satisfies Record<QueueName, readonly string[]>;

export type MaintenanceJobName = (typeof JOB_NAMES.maintenance)[number];
