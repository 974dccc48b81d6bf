import { describe, expect, it } from 'vitest';
import { runIdsync } from '../support/idsync-process.ts';

describe('idsync staff create', () => {
  it('exits 1 with IDSYNC_ERR_NOT_AVAILABLE for valid input: Supabase Auth cannot run here', async () => {
    const cli = runIdsync(['staff', 'create', '--email', 'ana@example.com', '--name', 'Ana', '--surname', 'Lopez', '--role', 'SALES'], {});
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('IDSYNC_ERR_NOT_AVAILABLE');
  });

  it.each([
    ['an invalid email', ['--email', 'not-an-email', '--name', 'Ana', '--surname', 'Lopez'], 'IDSYNC_ERR_INVALID_ARGUMENT'],
    ['an operator object as email', ['--email', '{"$gt":""}', '--name', 'Ana', '--surname', 'Lopez'], 'IDSYNC_ERR_INVALID_ARGUMENT'],
    ['a lower-case role', ['--email', 'ana@example.com', '--name', 'Ana', '--surname', 'Lopez', '--role', 'sales'], 'IDSYNC_ERR_INVALID_ARGUMENT'],
    ['a missing surname', ['--email', 'ana@example.com', '--name', 'Ana'], "required option '--surname <surname>'"],
  ])('exits 2 on %s', async (_case, args, expected) => {
    const cli = runIdsync(['staff', 'create', ...args], {});
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(expected);
  });
});
