import { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { formatRecordKey, parseRecordKey } from '../../ids/index.ts';
import { requireSynced } from '../../platforms/registry.ts';
import { printResult } from '../output.ts';
import { openQueueClient, timeoutOption, waitForJob } from './queue-client.ts';

const DEFAULT_WAIT_SECONDS = 60;

interface ReconcileFlags {
  wait?: boolean;
  /** In ms (timeoutOption). */
  timeout: number;
  json?: boolean;
}

export function reconcileCommand(): Command {
  return new Command('reconcile')
    .description('enqueue one person for reconciliation, starting from one of their records')
    .argument('<platform:id>', 'a record key, e.g. crm:65f0c0ffee0000000000beef or bookmaster:bm_1042')
    .option('--wait', 'wait for the job to finish and print its outcome')
    .addOption(timeoutOption(DEFAULT_WAIT_SECONDS))
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  idsync reconcile crm:65f0c0ffee0000000000beef\n  idsync reconcile omnistack:65f0c0ffee0000000000cafe --wait --json')
    .action(async (recordKey: string, flags: ReconcileFlags) => {
      const key = parseRecordKey(recordKey);
      const config = loadConfig();
      requireSynced(config, [key.platform]);
      const client = await openQueueClient(config, flags.wait ?? false, 'reconcile');
      try {
        const jobId = await client.queues.enqueueReconcile(key, { type: 'command', via: 'cli' });
        const job = jobId === undefined ? undefined : await client.queues.byName.reconcile.getJob(jobId);
        if (!flags.wait || job === undefined) return printResult(flags.json ?? false, { jobId, key }, `enqueued job ${jobId} for ${formatRecordKey(key)}`);
        const outcome = await waitForJob(client, job, flags.timeout, `reconcile job ${jobId} (${formatRecordKey(key)})`);
        printResult(flags.json ?? false, { jobId, key, outcome }, `job ${jobId} finished: ${JSON.stringify(outcome)}`);
      } finally {
        await client.close();
      }
    });
}
