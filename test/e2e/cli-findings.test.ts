import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/jobs/audit-processor.ts';
import type { FindingEntry } from '../../src/ledger/findings.ts';
import { createAuditFixture } from '../integration/audit/audit-fixture.ts';
import type { AuditFixture } from '../integration/audit/audit-fixture.ts';
import { issueSignature, seedPlanted } from '../integration/audit/planted.ts';
import type { PlantedSet } from '../integration/audit/planted.ts';
import { runIdsync } from '../support/idsync-process.ts';

interface Page {
  findings: Array<Omit<FindingEntry, 'firstSeenAt' | 'lastSeenAt'> & { firstSeenAt: string; lastSeenAt: string }>;
  nextOffset: number | null;
}

/** `idsync findings` on the findings a real audit recorded for the planted data set. */
describe('idsync findings', () => {
  let fixture: AuditFixture;
  let planted: PlantedSet;

  beforeAll(async () => {
    fixture = await createAuditFixture({ reconcileWorkers: false });
    planted = await seedPlanted(fixture);
    await fixture.runJob<AuditReport>('audit', { trigger: { type: 'command', via: 'cli' }, reportOnly: true });
  });

  afterAll(async () => {
    await fixture.dispose();
  });

  const findings = async (args: string[]): Promise<Page> => {
    const cli = runIdsync(['findings', ...args, '--json'], fixture.env);
    expect(await cli.exited).toBe(0);
    return cli.logs.at(-1) as unknown as Page;
  };

  it('lists every finding the audit recorded, newest first, each with its person, platform, kind, rule and time', async () => {
    const page = await findings([]);
    const signatures = page.findings.map((finding) => issueSignature(finding));
    expect(signatures.sort()).toEqual(planted.before.map(issueSignature).sort());
    for (const finding of page.findings) {
      expect(finding.rule).toEqual(expect.any(String));
      expect(finding.crmUserId).toBe(finding.personKey.slice('crm:'.length));
    }
    const times = page.findings.map((finding) => Date.parse(finding.lastSeenAt));
    expect(times).toEqual([...times].sort((left, right) => right - left));
    expect(page.nextOffset).toBeNull();
  });

  it('filters by kind and platform', async () => {
    const page = await findings(['--kind', 'missing', '--platform', 'bookmaster']);
    expect(page.findings.map((finding) => finding.crmUserId).sort()).toEqual([planted.crm.orphanUnrepairable, planted.crm.missing].sort());
  });

  it('pages with --limit and --offset, every finding once', async () => {
    const first = await findings(['--limit', '5']);
    expect(first.findings).toHaveLength(5);
    expect(first.nextOffset).toBe(5);
    const second = await findings(['--limit', '5', '--offset', String(first.nextOffset)]);
    expect(second.nextOffset).toBeNull();
    const all = [...first.findings, ...second.findings].map((finding) => issueSignature(finding));
    expect(all.sort()).toEqual(planted.before.map(issueSignature).sort());
  });

  it('prints one line per finding by default, and where the next page starts', async () => {
    const cli = runIdsync(['findings', '--kind', 'conflict', '--limit', '1'], fixture.env);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain(`crm:${planted.crm.conflict} conflict on omnistack (rule newest-wins`);
    const more = runIdsync(['findings', '--limit', '1'], fixture.env);
    expect(await more.exited).toBe(0);
    expect(more.stdout()).toContain('idsync findings --offset 1');
  });

  it.each([
    ['an unknown kind', ['--kind', 'drift'], 'IDSYNC_ERR_USAGE'],
    ['an operator object for the kind', ['--kind', '{"$ne":null}'], 'IDSYNC_ERR_USAGE'],
    ['an unknown platform', ['--platform', 'salesforce'], 'IDSYNC_ERR_UNKNOWN_PLATFORM'],
    ['a limit of 0', ['--limit', '0'], 'IDSYNC_ERR_USAGE'],
    ['a limit over 1000', ['--limit', '1001'], 'IDSYNC_ERR_USAGE'],
    ['a limit that is not a number', ['--limit', 'all'], 'IDSYNC_ERR_USAGE'],
    ['a negative offset', ['--offset', '-5'], 'IDSYNC_ERR_USAGE'],
  ])('exits 2 with %s, before connecting to anything', async (_case, args, code) => {
    const cli = runIdsync(['findings', ...args], { ...fixture.env, LEDGER_DB_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(`[${code}]`);
    expect(cli.stdout()).toBe('');
  });
});
