import { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { IdsyncError } from '../../errors.ts';
import { requireRawId } from '../../ids/index.ts';
import { createSyncStatusStore } from '../../ledger/sync-status.ts';
import type { SyncStatus } from '../../ledger/sync-status.ts';
import { openPostgres } from '../../platforms/postgres-pool.ts';
import { printResult } from '../output.ts';

export function statusCommand(): Command {
  return new Command('status')
    .description("show a person's sync status, as the last audit recorded it in the ledger")
    .argument('<crm-user-id>', 'the CRM user id (24 hex digits)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  idsync status 65f0c0ffee0000000000beef\n  idsync status 65f0c0ffee0000000000beef --json')
    .action(async (crmUserId: string, flags: { json?: boolean }) => {
      const userId = requireRawId('crm', crmUserId);
      const config = loadConfig();
      const ledger = await openPostgres('ledger', config.ledger.dbUrl, { connectTimeoutMs: config.connectTimeoutMs, maxConnections: 1 });
      try {
        const status = await createSyncStatusStore(ledger.pool).get(userId);
        if (status === null) throw new IdsyncError('IDSYNC_ERR_NOT_FOUND', `no sync status for crm user ${userId}: no audit has checked this person yet`);
        printResult(flags.json ?? false, statusJson(status), describeStatus(status));
      } finally {
        await ledger.close();
      }
    });
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
