import { describe, expect, it } from 'vitest';
import { newPerson } from '../support/e2e-stores.ts';
import { e2eWorkersEach } from '../support/e2e-workers.ts';
import { runIdsync } from '../support/idsync-process.ts';

describe('idsync reconcile', () => {
  const each = e2eWorkersEach();

  it('enqueues one person, waits for the worker and prints the outcome as JSON', async () => {
    await each.startWorkers();
    const person = newPerson();
    await each.stores().writePeople([person]);

    const cli = runIdsync(['reconcile', `crm:${person.crm.toUpperCase()}`, '--wait', '--json'], each.stores().env);
    expect(await cli.exited).toBe(0);
    const printed = cli.logs.at(-1) as { key: unknown; outcome: { members: unknown; writes: number } };
    expect(printed.key).toEqual({ platform: 'crm', id: person.crm });
    expect(printed.outcome).toMatchObject({ members: { crm: person.crm, omnistack: person.omnistack, bookmaster: person.bookmaster }, writes: 3 });
    expect(await each.stores().countLinked([person])).toBe(1);
  });

  it.each([
    ['a malformed id', 'crm:{"$ne":null}', 'IDSYNC_ERR_INVALID_ID'],
    ['an unknown platform', 'salesforce:65f0c0ffee0000000000beef', 'IDSYNC_ERR_UNKNOWN_PLATFORM'],
    ['no platform at all', '65f0c0ffee0000000000beef', 'IDSYNC_ERR_INVALID_ID'],
  ])('exits 2 on %s, before connecting to anything', async (_case, key, code) => {
    const cli = runIdsync(['reconcile', key], each.stores().env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(code);
    expect(cli.logs).toEqual([]);
  });
});
