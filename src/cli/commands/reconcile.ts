import { QueueEvents } from 'bullmq';
import { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { parseRecordKey } from '../../ids/index.ts';
import { createLogger } from '../../logging/logger.ts';
import { requireSynced } from '../../platforms/registry.ts';
import { createQueues } from '../../queues/queues.ts';
import { openRedis } from '../../queues/redis-connection.ts';
import { printResult } from '../output.ts';

const DEFAULT_WAIT_SECONDS = 60;
const MS_PER_SECOND = 1_000;

interface ReconcileFlags {
  wait?: boolean;
  timeout: string;
  json?: boolean;
}

export function reconcileCommand(): Command {
  return new Command('reconcile')
    .description('enqueue one person for reconciliation, starting from one of their records')
    .argument('<platform:id>', 'a record key, e.g. crm:65f0c0ffee0000000000beef or bookmaster:bm_1042')
    .option('--wait', 'wait for the job to finish and print its outcome')
    .option('--timeout <seconds>', 'how long --wait waits', String(DEFAULT_WAIT_SECONDS))
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  idsync reconcile crm:65f0c0ffee0000000000beef\n  idsync reconcile omnistack:65f0c0ffee0000000000cafe --wait --json')
    .action(async (recordKey: string, flags: ReconcileFlags) => {
      const key = parseRecordKey(recordKey);
      const config = loadConfig();
      requireSynced(config, [key.platform]);
      const logger = createLogger({ level: 'warn' });
      const redis = await openRedis(config.redis.url, logger, { connectTimeoutMs: config.connectTimeoutMs });
      const queues = createQueues({ connection: redis.client, prefix: config.redis.queuePrefix });
      // QueueEvents needs a connection of its own; BullMQ does not close one it is handed, so this does.
      const eventsConnection = flags.wait ? redis.client.duplicate() : undefined;
      const events = eventsConnection ? new QueueEvents('reconcile', { connection: eventsConnection, prefix: config.redis.queuePrefix }) : undefined;
      try {
        await events?.waitUntilReady();
        const jobId = await queues.enqueueReconcile(key, { type: 'command', via: 'cli' });
        if (!events || jobId === undefined) return printResult(flags.json ?? false, { jobId, key }, `enqueued job ${jobId} for ${recordKey}`);
        const job = await queues.byName.reconcile.getJob(jobId);
        const outcome: unknown = await job?.waitUntilFinished(events, Number(flags.timeout) * MS_PER_SECOND);
        printResult(flags.json ?? false, { jobId, key, outcome }, `job ${jobId} finished: ${JSON.stringify(outcome)}`);
      } finally {
        await events?.close();
        eventsConnection?.disconnect();
        await queues.close();
        await redis.close();
      }
    });
}
