import { describe, expect, it } from 'vitest';
import { e2eWorkersEach } from '../support/e2e-workers.ts';
import { runIdsync } from '../support/idsync-process.ts';
import { uniqueEmail } from '../support/platform-seeders.ts';

describe('idsync staff create', () => {
  const each = e2eWorkersEach();

  it('creates the person in OmniStack and the CRM through a running worker, linked, and prints the accounts', async () => {
    await each.startWorkers();
    const email = uniqueEmail('hire');

    const cli = runIdsync(['staff', 'create', '--email', email, '--name', 'Ana', '--surname', 'Lopez', '--role', 'SALES', '--json'], each.stores().env);
    expect(await cli.exited).toBe(0);
    const printed = cli.logs.at(-1) as { personKey: string; accounts: Record<string, { id: string; created: boolean }> };
    const crm = await each.stores().crm.collection('User').findOne({ email });
    const omni = await each.stores().omnistack.collection('users').findOne({ email });
    expect(printed.personKey).toBe(`crm:${crm?._id.toHexString()}`);
    expect(printed.accounts).toEqual({ omnistack: { id: omni?._id.toHexString(), created: true }, crm: { id: crm?._id.toHexString(), created: true } });
    expect(crm?.externalIds).toEqual({ omnistack: omni?._id.toHexString() });
    expect(omni?.external_ids).toEqual([`crm_${crm?._id.toHexString()}`]);

    const again = runIdsync(['staff', 'create', '--email', email, '--name', 'Ana', '--surname', 'Lopez'], each.stores().env);
    expect(await again.exited).toBe(0);
    expect(again.logs.at(-1)?.raw).toMatch(/^staff member crm:[0-9a-f]{24}: omnistack:[0-9a-f]{24} \(existing\), crm:[0-9a-f]{24} \(existing\); 0 link writes$/);
  });

  it.each([
    ['an invalid email', ['--email', 'not-an-email', '--name', 'Ana', '--surname', 'Lopez'], 'IDSYNC_ERR_INVALID_ARGUMENT'],
    ['an operator object as email', ['--email', '{"$gt":""}', '--name', 'Ana', '--surname', 'Lopez'], 'IDSYNC_ERR_INVALID_ARGUMENT'],
    ['a lower-case role', ['--email', 'ana@example.com', '--name', 'Ana', '--surname', 'Lopez', '--role', 'sales'], 'IDSYNC_ERR_INVALID_ARGUMENT'],
    ['a role the CRM does not have', ['--email', 'ana@example.com', '--name', 'Ana', '--surname', 'Lopez', '--role', 'ADMIN'], 'IDSYNC_ERR_INVALID_ARGUMENT'],
    ['a missing surname', ['--email', 'ana@example.com', '--name', 'Ana'], "required option '--surname <surname>'"],
    ['a timeout that is no number', ['--email', 'ana@example.com', '--name', 'Ana', '--surname', 'Lopez', '--timeout', 'soon'], 'IDSYNC_ERR_USAGE'],
  ])('exits 2 on %s, and enqueues nothing', async (_case, args, expected) => {
    const cli = runIdsync(['staff', 'create', ...args], each.stores().env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(expected);
    expect(cli.logs).toEqual([]);
  });
});
