import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createE2eStores, newPerson } from '../support/e2e-stores.ts';
import type { E2eStores } from '../support/e2e-stores.ts';
import { runIdsync } from '../support/idsync-process.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';

describe('idsync reconcile', () => {
  let stores: E2eStores;
  let workers: IdsyncProcess | undefined;

  beforeEach(async () => {
    stores = await createE2eStores();
  });

  afterEach(async () => {
    await workers?.stop();
    workers = undefined;
    await stores.dispose();
  });

  it('enqueues one person, waits for the worker and prints the outcome as JSON', async () => {
    workers = runIdsync(['start', '--role', 'workers'], stores.env);
    await workers.waitForLog('idsync started');
    const person = newPerson();
    await stores.writePeople([person]);

    const cli = runIdsync(['reconcile', `crm:${person.crm.toUpperCase()}`, '--wait', '--json'], stores.env);
    expect(await cli.exited).toBe(0);
    const printed = cli.logs.at(-1) as { key: unknown; outcome: { members: unknown; writes: number } };
    expect(printed.key).toEqual({ platform: 'crm', id: person.crm });
    expect(printed.outcome).toMatchObject({ members: { crm: person.crm, omnistack: person.omnistack, bookmaster: person.bookmaster }, writes: 3 });
    expect(await stores.countLinked([person])).toBe(1);
  });

  it.each([
    ['a malformed id', 'crm:{"$ne":null}', 'IDSYNC_ERR_INVALID_ID'],
    ['an unknown platform', 'salesforce:65f0c0ffee0000000000beef', 'IDSYNC_ERR_UNKNOWN_PLATFORM'],
    ['no platform at all', '65f0c0ffee0000000000beef', 'IDSYNC_ERR_INVALID_ID'],
  ])('exits 2 on %s, before connecting to anything', async (_case, key, code) => {
    const cli = runIdsync(['reconcile', key], stores.env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(code);
    expect(cli.logs).toEqual([]);
  });
});
