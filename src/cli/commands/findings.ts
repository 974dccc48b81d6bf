import { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { codes, InvalidInputError } from '../../errors.ts';
import { parsePlatform } from '../../ids/index.ts';
import { DEFAULT_FINDINGS_LIMIT, FINDING_KINDS, findingsQuerySchema, listFindings, MAX_FINDINGS_LIMIT } from '../../ledger/findings.ts';
import type { FindingEntry, FindingsPage, FindingsQuery } from '../../ledger/findings.ts';
import { openPostgres } from '../../platforms/postgres-pool.ts';
import { printResult } from '../output.ts';

interface FindingsFlags {
  kind?: string;
  platform?: string;
  limit?: string;
  offset?: string;
  json?: boolean;
}

export function findingsCommand(): Command {
  return new Command('findings')
    .description('list the people out of sync and why: the findings audits and reconciles recorded in the ledger, newest first')
    .option('--kind <kind>', `only this kind of finding (${FINDING_KINDS.join(', ')})`)
    .option('--platform <platform>', 'only findings about a record of this system')
    .option('--limit <n>', `findings per page (1 to ${MAX_FINDINGS_LIMIT})`, String(DEFAULT_FINDINGS_LIMIT))
    .option('--offset <n>', 'findings to skip: the next page starts at the offset the last one printed', '0')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  idsync findings\n  idsync findings --kind conflict --platform omnistack --limit 20\n  idsync findings --offset 50 --json')
    .action(async (flags: FindingsFlags) => {
      const query = findingsQuery(flags);
      const config = loadConfig();
      const ledger = await openPostgres('ledger', config.ledger.dbUrl, { connectTimeoutMs: config.connectTimeoutMs, maxConnections: 1 });
      try {
        const page = await listFindings(ledger.pool, query);
        printResult(flags.json ?? false, page, describePage(page));
      } finally {
        await ledger.close();
      }
    });
}

/** The flags as the ledger's query, checked before anything connects: a bad value is bad usage (exit 2). */
function findingsQuery(flags: FindingsFlags): FindingsQuery {
  if (flags.platform !== undefined) parsePlatform(flags.platform);
  const result = findingsQuerySchema.safeParse({ kind: flags.kind, platform: flags.platform, limit: flags.limit, offset: flags.offset });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`);
  throw new InvalidInputError(codes.USAGE, problems.join('; '));
}

function describePage(page: FindingsPage): string {
  if (page.findings.length === 0) return 'no findings';
  const lines = page.findings.map(describeFinding);
  if (page.nextOffset !== null) lines.push(`more: idsync findings --offset ${page.nextOffset}`);
  return lines.join('\n');
}

function describeFinding(finding: FindingEntry): string {
  const record = finding.recordId === null ? finding.platform : `${finding.platform}:${finding.recordId}`;
  return `${finding.lastSeenAt.toISOString()} ${finding.personKey} ${finding.kind} on ${record} (rule ${finding.rule}, seen ${finding.occurrences}x)`;
}
