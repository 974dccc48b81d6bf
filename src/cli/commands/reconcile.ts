import { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import type { Config } from '../../config/load-config.ts';
import { formatRecordKey, parseRecordKey } from '../../ids/index.ts';
import type { RecordKey } from '../../ids/index.ts';
import { createLogger } from '../../logging/logger.ts';
import { partsOf } from '../../platforms/connector.ts';
import { openSyncedPlatforms, requireSynced } from '../../platforms/registry.ts';
import { requireExistingRecord } from '../../reconcile/require-record.ts';
import { printResult } from '../output.ts';
import { openQueueClient, waitForJob, withJobOptions } from './queue-client.ts';
import type { JobFlags } from './queue-client.ts';

const DEFAULT_WAIT_SECONDS = 60;
const EXAMPLES = ['idsync reconcile crm:65f0c0ffee0000000000beef', 'idsync reconcile omnistack:65f0c0ffee0000000000cafe --wait --json'];

export function reconcileCommand(): Command {
  return withJobOptions(new Command('reconcile'), { defaultWaitSeconds: DEFAULT_WAIT_SECONDS, wait: '--wait', examples: EXAMPLES })
    .description('enqueue one person for reconciliation, starting from one of their records')
    .argument('<platform:id>', 'a record key, e.g. crm:65f0c0ffee0000000000beef or bookmaster:bm_1042')
    .action(async (recordKey: string, flags: JobFlags) => {
      const key = parseRecordKey(recordKey);
      const config = loadConfig();
      requireSynced(config, [key.platform]);
      await requireRecordInItsStore(config, key);
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

/** Opens the record's own system only, to refuse a record that does not exist before anything is enqueued. */
async function requireRecordInItsStore(config: Config, key: RecordKey): Promise<void> {
  const opened = await openSyncedPlatforms({ ...config, platforms: [key.platform] }, {
    connectTimeoutMs: config.connectTimeoutMs,
    logger: createLogger({ level: 'warn' }),
  });
  try {
    await requireExistingRecord(partsOf(opened.platforms, 'adapter'), key);
  } finally {
    await opened.close();
  }
}
