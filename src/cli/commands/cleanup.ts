import { Command } from 'commander';
import type { CleanupReport } from '../../jobs/cleanup-processor.ts';
import type { CleanupJobData } from '../../jobs/maintenance-payloads.ts';
import { loadConfig } from '../../config/load-config.ts';
import type { Config } from '../../config/load-config.ts';
import { codes, IdsyncError } from '../../errors.ts';
import { createAuditRunStore } from '../../ledger/audit-runs.ts';
import { openPostgres } from '../../platforms/postgres-pool.ts';
import { examples, printResult } from '../output.ts';
import { openQueueClient, waitForJob, withJobOptions } from './queue-client.ts';
import type { JobFlags } from './queue-client.ts';

const DEFAULT_WAIT_SECONDS = 600;
const RUN_ID_MAX_LENGTH = 200;

export function cleanupCommand(): Command {
  const command = new Command('cleanup')
    .description('references to records that no longer exist: list them (CLEANUP_MODE=report) or remove them (apply)')
    .addCommand(
      withFlags(
        new Command('run')
          .description(
            "run the orphan cleanup now, in this command's CLEANUP_MODE (default: report) and CLEANUP_MAX_FRACTION (default: 0.05), which the job carries",
          )
          .action(runNow),
        EXAMPLES.run,
      ),
    )
    .addCommand(
      withFlags(
        new Command('confirm')
          .description('carry out a cleanup run that the circuit breaker holds')
          .argument('<run-id>', 'the run id the held run reported')
          .action(confirm),
        EXAMPLES.confirm,
      ),
    )
    .addHelpText('after', examples(EXAMPLES.run, EXAMPLES.confirm));
  // main.ts makes the top-level commands throw instead of exiting; these are one level down.
  for (const sub of command.commands) sub.exitOverride();
  return command;
}

const EXAMPLES = { run: 'idsync cleanup run --wait', confirm: 'idsync cleanup confirm cleanup-orphans-20250101T000000Z-1a2b3c4d --wait' };

function withFlags(command: Command, example: string): Command {
  return withJobOptions(command, { defaultWaitSeconds: DEFAULT_WAIT_SECONDS, wait: '--wait', examples: [example] });
}

/** The run carries this command's CLEANUP_MODE and CLEANUP_MAX_FRACTION: the worker's own are for its scheduled runs. */
async function runNow(flags: JobFlags): Promise<void> {
  const config = loadConfig();
  await enqueue(config, { trigger: { type: 'command', via: 'cli' }, mode: config.policy.cleanupMode, maxFraction: config.policy.cleanupMaxFraction }, flags);
}

async function confirm(runId: string, flags: JobFlags): Promise<void> {
  const config = loadConfig();
  await requireAwaiting(config, runId.slice(0, RUN_ID_MAX_LENGTH));
  await enqueue(config, { trigger: { type: 'command', via: 'cli' }, confirmRunId: runId }, flags);
}

/** Fails early, with a code, when the run does not exist or does not await confirmation. */
async function requireAwaiting(config: Config, runId: string): Promise<void> {
  const ledger = await openPostgres('ledger', config.ledger.dbUrl, { connectTimeoutMs: config.connectTimeoutMs, maxConnections: 1 });
  try {
    const run = await createAuditRunStore(ledger.pool).get(runId);
    if (run === null || run.kind !== 'cleanup-orphans') throw new IdsyncError(codes.RUN_NOT_FOUND, `no cleanup run ${runId}`);
    if (run.status !== 'awaiting-confirmation') {
      throw new IdsyncError(codes.RUN_NOT_AWAITING, `cleanup run ${runId} is ${run.status}, not awaiting confirmation`);
    }
  } finally {
    await ledger.close();
  }
}

async function enqueue(config: Config, data: CleanupJobData, flags: JobFlags): Promise<void> {
  const client = await openQueueClient(config, flags.wait ?? false);
  try {
    const job = await client.queues.enqueueMaintenance('cleanup-orphans', data, data.confirmRunId === undefined ? 'cleanup-orphans' : 'cleanup-confirm');
    const runId = data.confirmRunId ?? job.id;
    const mode = data.mode ?? 'apply';
    if (!flags.wait) return printResult(flags.json ?? false, { runId, jobId: job.id, mode }, `enqueued cleanup run ${runId} (job ${job.id}) in ${mode} mode`);
    const report = (await waitForJob(client, job, flags.timeout, `cleanup run ${runId}`)) as CleanupReport;
    printResult(flags.json ?? false, report, describeCleanup(report));
  } finally {
    await client.close();
  }
}

function describeCleanup(report: CleanupReport): string {
  const percent = (report.breaker.fraction * 100).toFixed(1);
  const head = `cleanup ${report.runId} (${report.mode}): ${report.orphanReferences} orphan references of ${report.breaker.links} links (${percent}%)`;
  if (report.status === 'awaiting-confirmation') {
    return `${head}\n  held by the circuit breaker [${report.reason}]: nothing removed; confirm with: idsync cleanup confirm ${report.runId}`;
  }
  const listed = report.references.map((ref) => `  - ${ref.platform}:${ref.recordId} -> ${ref.claimedPlatform}:${ref.claimedId}`);
  return [head, `  removed ${report.removed}, skipped ${report.skipped}, stale ${report.stale}`, ...listed].join('\n');
}
