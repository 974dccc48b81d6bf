import { Command } from 'commander';
import type { AuditReport } from '../../jobs/audit-processor.ts';
import type { AuditJobData } from '../../jobs/maintenance-payloads.ts';
import { ISSUE_KINDS } from '../../audit/audit-model.ts';
import { loadConfig } from '../../config/load-config.ts';
import { printResult } from '../output.ts';
import { openQueueClient, waitForJob, withJobOptions } from './queue-client.ts';
import type { JobFlags } from './queue-client.ts';

const DEFAULT_WAIT_SECONDS = 600;
const EXAMPLES = ['idsync audit', 'idsync audit --wait --report-only --json'];

interface AuditFlags extends JobFlags {
  reportOnly?: boolean;
}

export function auditCommand(): Command {
  return withJobOptions(new Command('audit'), { defaultWaitSeconds: DEFAULT_WAIT_SECONDS, wait: '--wait', examples: EXAMPLES })
    .description("run an audit now: scan every system, record each person's sync status and findings, enqueue repairs")
    .option('--report-only', 'record statuses and findings, but enqueue no repair')
    .action(async (flags: AuditFlags) => {
      const config = loadConfig();
      const client = await openQueueClient(config, flags.wait ?? false);
      try {
        const data: AuditJobData = { trigger: { type: 'command', via: 'cli' }, reportOnly: flags.reportOnly ?? false };
        const job = await client.queues.enqueueMaintenance('audit', data);
        if (!flags.wait) return printResult(flags.json ?? false, { runId: job.id }, `enqueued audit run ${job.id}`);
        const report = (await waitForJob(client, job, flags.timeout, `audit run ${job.id}`)) as AuditReport;
        printResult(flags.json ?? false, report, describeReport(report));
      } finally {
        await client.close();
      }
    });
}

export function describeReport(report: AuditReport): string {
  const issues = ISSUE_KINDS.filter((kind) => report.issues[kind] > 0).map((kind) => `${kind} ${report.issues[kind]}`);
  return [
    `audit ${report.runId}: ${report.people} people, ${report.consistent} consistent, ${report.inconsistent} inconsistent`,
    `  issues: ${issues.length === 0 ? 'none' : issues.join(', ')}`,
    `  planned writes: ${report.plannedWrites}; repairs enqueued: ${report.reportOnly ? 'none (report only)' : report.enqueued}`,
    ...namedPeople(report),
  ].join('\n');
}

/** The people the report names, one line each: the id `idsync status` takes, and their issue kinds. */
function namedPeople(report: AuditReport): string[] {
  const named = report.firstInconsistent ?? [];
  if (named.length === 0) return [];
  const more = report.inconsistent - named.length;
  return [
    `  first inconsistent people${more > 0 ? ` (${more} more: idsync findings)` : ''}:`,
    ...named.map((person) => `    ${person.userId === null ? person.personKey : `crm:${person.userId}`}: ${person.kinds.join(', ')}`),
  ];
}
