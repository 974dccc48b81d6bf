import { CronExpressionParser } from 'cron-parser';
import type { Config } from '../config/load-config.ts';
import { ConfigError } from '../errors.ts';
import type { Queues } from '../queues/queues.ts';
import type { AuditJobData, CleanupJobData } from './maintenance-payloads.ts';

/** The job scheduler ids: stable, so that upserting them again on every start replaces, never adds. */
export const SCHEDULER_IDS = Object.freeze({ audit: 'audit', cleanup: 'cleanup-orphans' });

/** Cron expressions are read in UTC, whatever the machine's time zone. */
export const SCHEDULE_TIME_ZONE = 'UTC';

/**
 * Creates or updates the repeatable maintenance jobs: the audit on AUDIT_CRON and the
 * orphan cleanup on CLEANUP_CRON. BullMQ's job schedulers are keyed by id, so calling this on every
 * start (and from every worker process) leaves exactly one schedule of each. A cron string that does
 * not parse is a ConfigError (codes.CONFIG) before anything is written.
 */
export async function ensureSchedules(queues: Queues, config: Pick<Config, 'policy'>): Promise<void> {
  const problems = [
    ...cronProblem('AUDIT_CRON', config.policy.auditCron),
    ...cronProblem('CLEANUP_CRON', config.policy.cleanupCron),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  const maintenance = queues.byName.maintenance;
  const audit: AuditJobData = { trigger: { type: 'schedule', scheduler: SCHEDULER_IDS.audit } };
  const cleanup: CleanupJobData = { trigger: { type: 'schedule', scheduler: SCHEDULER_IDS.cleanup } };
  await maintenance.upsertJobScheduler(
    SCHEDULER_IDS.audit,
    { pattern: config.policy.auditCron, tz: SCHEDULE_TIME_ZONE },
    { name: 'audit', data: audit },
  );
  await maintenance.upsertJobScheduler(
    SCHEDULER_IDS.cleanup,
    { pattern: config.policy.cleanupCron, tz: SCHEDULE_TIME_ZONE },
    { name: 'cleanup-orphans', data: cleanup },
  );
}

function cronProblem(name: string, expression: string): string[] {
  try {
    CronExpressionParser.parse(expression, { tz: SCHEDULE_TIME_ZONE });
    return [];
  } catch {
    return [`${name}: must be a cron expression such as "0 0 * * *"`];
  }
}
