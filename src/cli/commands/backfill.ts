import { Command } from 'commander';
import type { BackfillProgress, BackfillReport } from '../../jobs/backfill-processor.ts';
import type { BackfillJobData } from '../../jobs/maintenance-payloads.ts';
import { runAuditPass } from '../../audit/audit-pass.ts';
import { plannedWrites, summarizeWrites, WRITE_KINDS } from '../../audit/planned-writes.ts';
import type { PlannedWrite, WriteSummary } from '../../audit/planned-writes.ts';
import { scannablePlatforms } from '../../audit/scan.ts';
import type { Config } from '../../config/load-config.ts';
import { loadConfig } from '../../config/load-config.ts';
import { parsePlatform, PLATFORMS } from '../../ids/index.ts';
import type { Platform } from '../../ids/index.ts';
import { createLogger } from '../../logging/logger.ts';
import { partsOf } from '../../platforms/connector.ts';
import { openSyncedPlatforms, requireSynced, syncedPlatforms } from '../../platforms/registry.ts';
import { printResult } from '../output.ts';
import { endProgress, openQueueClient, progressLine, waitForJob, withJobOptions } from './queue-client.ts';
import type { JobFlags } from './queue-client.ts';

const DEFAULT_WAIT_SECONDS = 3600;

interface BackfillFlags extends JobFlags {
  platform: string[];
  dryRun?: boolean;
}

export function backfillCommand(): Command {
  const command = new Command('backfill')
    .description('enqueue a reconcile for every record of the chosen systems (default: every synced system), with progress')
    .option('--platform <platform>', 'a system to enumerate (repeatable)', (value: string, previous: string[]) => [...previous, value], [])
    .option('--dry-run', 'plan every person and print the writes the repairs would make; write nothing');
  return withJobOptions(command, {
    defaultWaitSeconds: DEFAULT_WAIT_SECONDS,
    json: 'machine-readable output (with --dry-run: every planned patch)',
    examples: ['idsync backfill', 'idsync backfill --platform crm --platform bookmaster', 'idsync backfill --dry-run --json'],
  })
    .action(async (flags: BackfillFlags) => {
      const config = loadConfig();
      const platforms = chosenPlatforms(config, flags.platform);
      if (flags.dryRun) await dryRun(config, platforms, flags.json ?? false);
      else await backfill(config, flags.platform.length === 0 ? undefined : platforms, flags.timeout, flags.json ?? false);
    });
}

/** The named platforms, validated: each must be synced. Default: every synced platform. */
function chosenPlatforms(config: Config, named: readonly string[]): Platform[] {
  const platforms = named.map((value) => parsePlatform(value));
  requireSynced(config, platforms);
  const chosen = platforms.length === 0 ? syncedPlatforms(config) : platforms;
  return PLATFORMS.filter((platform) => chosen.includes(platform));
}

async function dryRun(config: Config, platforms: readonly Platform[], json: boolean): Promise<void> {
  const logger = createLogger({ level: 'warn' });
  const synced = syncedPlatforms(config);
  const opened = await openSyncedPlatforms(config, { connectTimeoutMs: config.connectTimeoutMs, logger });
  const adapters = partsOf(opened.platforms, 'adapter');
  try {
    const pass = await runAuditPass(adapters, {
      platforms: synced,
      required: config.requiredPlatforms.filter((platform) => synced.includes(platform)),
      conflictPolicy: config.policy.conflict,
      batchSize: config.maintenance.batchSize,
      onBatch: (progress) => progressLine(`dry run: ${progress.platform} ${progress.records} records read`),
    });
    endProgress();
    const people = [...pass.people()].filter((person) => person.records.some((record) => platforms.includes(record.platform)));
    const writes = plannedWrites(people);
    const patches = people.flatMap(({ personKey, patches: planned }) =>
      planned.map(({ record, set, unset, rules }) => ({ personKey, platform: record.platform, recordId: record.id, set, unset, rules })),
    );
    const summary = summarizeWrites(writes);
    const scanned = scannablePlatforms(adapters, synced);
    const result = { dryRun: true, platforms, scanned, people: people.length, total: writes.length, summary, patches, writes };
    printResult(json, result, describeDryRun(people.length, writes, summary));
  } finally {
    await opened.close();
  }
}

function describeDryRun(people: number, writes: readonly PlannedWrite[], summary: WriteSummary): string {
  const lines = [`dry run: ${people} people, ${writes.length} planned writes (nothing written)`];
  for (const platform of PLATFORMS) {
    const counts = summary[platform];
    if (counts !== undefined) lines.push(`  ${platform}: ${WRITE_KINDS.map((kind) => `${kind} ${counts[kind]}`).join(', ')}`);
  }
  return lines.join('\n');
}

async function backfill(config: Config, platforms: readonly Platform[] | undefined, wait: number, json: boolean): Promise<void> {
  const client = await openQueueClient(config, true);
  try {
    const data: BackfillJobData = { trigger: { type: 'command', via: 'cli' }, ...(platforms === undefined ? {} : { platforms: [...platforms] }) };
    const job = await client.queues.enqueueMaintenance('backfill', data);
    client.events?.on('progress', ({ jobId, data: progress }) => {
      if (jobId === job.id) progressLine(describeProgress(job.id, progress as BackfillProgress));
    });
    const report = (await waitForJob(client, job, wait, `backfill run ${job.id}`)) as BackfillReport;
    endProgress();
    const perPlatform = PLATFORMS.filter((platform) => report.enqueued[platform] !== undefined).map((platform) => `${platform} ${report.enqueued[platform]}`);
    printResult(json, report, `backfill ${report.runId}: ${report.total} reconciles enqueued (${perPlatform.join(', ') || 'no records'})`);
  } finally {
    await client.close();
  }
}

function describeProgress(runId: string, progress: BackfillProgress): string {
  const counts = PLATFORMS.filter((platform) => progress.enqueued?.[platform] !== undefined).map((platform) => `${platform} ${progress.enqueued[platform]}`);
  return `backfill ${runId}: ${counts.join(', ') || 'starting'} enqueued`;
}
