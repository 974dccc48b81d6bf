import { Command } from 'commander';
import { crmIdThroughAdapters, parseStatusTarget, statusOf } from '../../audit/status-lookup.ts';
import { loadConfig } from '../../config/load-config.ts';
import type { Config } from '../../config/load-config.ts';
import type { RecordKey } from '../../ids/index.ts';
import type { SyncStatus } from '../../ledger/sync-status.ts';
import { createLinkIndex } from '../../link-index/link-index.ts';
import type { LinkLookups } from '../../link-index/link-index.ts';
import { createLogger } from '../../logging/logger.ts';
import { partsOf } from '../../platforms/connector.ts';
import { openSyncedPlatforms } from '../../platforms/registry.ts';
import { openPostgres } from '../../platforms/postgres-pool.ts';
import { examples, printResult } from '../output.ts';

export function statusCommand(): Command {
  return new Command('status')
    .description("show a person's sync status, as the last audit recorded it in the ledger, from any of their records")
    .argument('<record>', 'platform:id of any of their records (crm:, omnistack:, supabase:, bookmaster:), or a bare CRM user id')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      examples(
        'idsync status 65f0c0ffee0000000000beef',
        'idsync status supabase:7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b',
        'idsync status bookmaster:bm_1042 --json',
      ),
    )
    .action(async (target: string, flags: { json?: boolean }) => {
      const key = parseStatusTarget(target);
      const config = loadConfig();
      const ledger = await openPostgres('ledger', config.ledger.dbUrl, { connectTimeoutMs: config.connectTimeoutMs, maxConnections: 1 });
      try {
        const status = await statusOf(key, {
          ledgerPool: ledger.pool,
          crmIdFromPlatforms: (record) => crmIdFromSystems(config,
          createLinkIndex(ledger.pool),
          record),
        });
        printResult(flags.json ?? false, statusJson(status), describeStatus(status));
      } finally {
        await ledger.close();
      }
    });
}

/** Opens the synced systems only for a record the ledger has never filed under a CRM user. */
async function crmIdFromSystems(config: Config, links: LinkLookups, key: RecordKey): Promise<string | null> {
  const opened = await openSyncedPlatforms(config, { connectTimeoutMs: config.connectTimeoutMs, logger: createLogger({ level: 'warn' }) });
  try {
    return await crmIdThroughAdapters(partsOf(opened.platforms, 'adapter'), links)(key);
  } finally {
    await opened.close();
  }
}

/** The ledger row, field for field (the time in ISO 8601). */
export function statusJson(status: SyncStatus) {
  return { ...status, lastCheck: status.lastCheck.toISOString() };
}

function describeStatus(status: SyncStatus): string {
  const inSync = status.platformsInSync.length === 0 ? 'none' : status.platformsInSync.join(', ');
  const lines = [
    `crm user ${status.userId}: in sync on ${inSync}; ${status.issues.length} issue(s)`,
    `  last check ${status.lastCheck.toISOString()} (audit run ${status.auditRunId ?? 'unknown'})`,
    ...status.issues.map((issue) => `  - ${describeIssue(issue)}`),
  ];
  return lines.join('\n');
}

function describeIssue(issue: Record<string, unknown>): string {
  const { kind, ...detail } = issue;
  const parts = Object.entries(detail).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`);
  return `${String(kind)} ${parts.join(' ')}`.trim();
}
