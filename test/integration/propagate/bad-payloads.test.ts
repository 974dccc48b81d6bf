import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJobFailure } from '../../../src/jobs/job-errors.ts';
import { COMMAND_TRIGGER, createPropagateFixture } from '../../support/propagate-fixture.ts';
import type { PropagateFixture } from '../../support/propagate-fixture.ts';
import { newObjectId } from '../../support/platform-seeders.ts';
import { waitFor } from '../../support/wait-for.ts';

const CRM_ID = newObjectId();

/*
 * A profile job whose payload is not one fails on its first attempt (BullMQ's UnrecoverableError),
 * goes to the sync error log with its code, and never reaches a database query.
 */
describe('bad propagate profile jobs', () => {
  let fixture: PropagateFixture;
  const crmCommands: string[] = [];

  beforeAll(async () => {
    fixture = await createPropagateFixture();
    fixture.crmConnection.client.on('commandStarted', (event: CommandStartedEvent) => crmCommands.push(event.commandName));
  });

  afterAll(async () => {
    await fixture.dispose();
  });

  it.each<[string, unknown, string, string | null]>([
    ['an operator object as the CRM id', { crmId: { $ne: null }, trigger: COMMAND_TRIGGER }, 'IDSYNC_ERR_INVALID_PAYLOAD', null],
    ['an id that is no ObjectId', { crmId: 'bm_1042', trigger: COMMAND_TRIGGER }, 'IDSYNC_ERR_INVALID_PAYLOAD', null],
    ['an email where the id belongs', { crmId: 'ada@example.com', trigger: COMMAND_TRIGGER }, 'IDSYNC_ERR_INVALID_PAYLOAD', null],
    ['a 10 kB id', { crmId: 'a'.repeat(10_000), trigger: COMMAND_TRIGGER }, 'IDSYNC_ERR_INVALID_PAYLOAD', null],
    ['no trigger', { crmId: CRM_ID }, 'IDSYNC_ERR_INVALID_PAYLOAD', `crm:${CRM_ID}`],
    ['a trigger that is an operator object', { crmId: CRM_ID, trigger: { $ne: null } }, 'IDSYNC_ERR_INVALID_PAYLOAD', `crm:${CRM_ID}`],
    ['an empty payload', {}, 'IDSYNC_ERR_INVALID_PAYLOAD', null],
  ])('%s: fails once with %s', async (_label, payload, code, personKey) => {
    crmCommands.length = 0;
    const job = await fixture.failing(payload);

    expect(job.attemptsMade).toBe(1);
    expect(readJobFailure(job)).toEqual({ code, platform: null });
    const row = await syncErrorOf(job.id ?? '');
    expect(row).toEqual({ error_code: code, person_key: personKey, attempt: 1 });
    expect(crmCommands.filter((name) => name === 'find')).toEqual([]);
  });

  it('a job name the propagate queue does not know fails once with IDSYNC_ERR_UNKNOWN_JOB', async () => {
    const job = await fixture.failing({ crmId: CRM_ID, trigger: COMMAND_TRIGGER }, 'profiles');
    expect(job.attemptsMade).toBe(1);
    expect(readJobFailure(job)).toEqual({ code: 'IDSYNC_ERR_UNKNOWN_JOB', platform: null });
    expect(await syncErrorOf(job.id ?? '')).toMatchObject({ error_code: 'IDSYNC_ERR_UNKNOWN_JOB' });
  });

  it.each<[string, unknown]>([
    ['an operator object', { $ne: null }],
    ['a prefixed id', `crm_${CRM_ID}`],
    ['an email', 'ada@example.com'],
  ])('enqueuePropagateProfile refuses %s with IDSYNC_ERR_INVALID_ID and adds no job', async (_label, crmId) => {
    const queue = fixture.queues.byName.propagate;
    const before = await queue.count();
    await expect(fixture.queues.enqueuePropagateProfile(crmId as string, COMMAND_TRIGGER)).rejects.toMatchObject({ code: 'IDSYNC_ERR_INVALID_ID' });
    expect(await queue.count()).toBe(before);
  });

  /** The job's row in the sync error log, once the worker has written it. */
  async function syncErrorOf(jobId: string) {
    return waitFor(`the sync error of job ${jobId}`, async () => {
      const { rows } = await fixture.ledger.connection.pool.query('select error_code, person_key, attempt from sync_errors where job_id = $1', [jobId]);
      return rows[0] as Record<string, unknown> | undefined;
    });
  }
});
