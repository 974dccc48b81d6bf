import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FindingRow } from '../../src/ledger/ledger.ts';
import { createLedgerFixture } from '../support/ledger-fixture.ts';
import type { LedgerFixture } from '../support/ledger-fixture.ts';

const provenance = { trigger: { type: 'command', via: 'cli' }, jobId: '7', rule: 'id-claim' } as const;

describe('ledger', () => {
  let fixture: LedgerFixture;

  beforeEach(async () => {
    fixture = await createLedgerFixture();
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  it('records writes with their provenance', async () => {
    await fixture.ledger.recordOutcome(
      [{ personKey: 'crm:65f0c0ffee0000000000beef', platform: 'omnistack', recordId: '65f0c0ffee0000000000cafe', field: 'links.crm', before: null, after: '65f0c0ffee0000000000beef', provenance }],
      [],
    );
    const { rows } = await fixture.connection.pool.query('select person_key, platform, field, before_value, after_value, provenance from sync_writes');
    expect(rows).toEqual([
      { person_key: 'crm:65f0c0ffee0000000000beef', platform: 'omnistack', field: 'links.crm', before_value: null, after_value: '65f0c0ffee0000000000beef', provenance },
    ]);
  });

  it('keeps one row per finding and counts its sightings', async () => {
    const finding: FindingRow = { kind: 'missing', personKey: 'crm:65f0c0ffee0000000000beef', platform: 'bookmaster', recordId: null, detail: {}, provenance };
    await fixture.ledger.recordOutcome([], [finding, finding]);
    await fixture.ledger.recordOutcome([], [{ ...finding, provenance: { ...provenance, jobId: '8' } }]);
    const { rows } = await fixture.connection.pool.query('select kind, occurrences, provenance from findings');
    expect(rows).toEqual([{ kind: 'missing', occurrences: 2, provenance: { ...provenance, jobId: '8' } }]);
  });

  it('records sync errors', async () => {
    await fixture.ledger.recordSyncError({ personKey: null, platform: 'crm', queue: 'reconcile', jobName: 'user', jobId: '9', errorCode: 'IDSYNC_ERR_X', errorMessage: 'boom', attempt: 2 });
    const { rows } = await fixture.connection.pool.query('select platform, queue, job_id, error_code, attempt from sync_errors');
    expect(rows).toEqual([{ platform: 'crm', queue: 'reconcile', job_id: '9', error_code: 'IDSYNC_ERR_X', attempt: 2 }]);
  });
});
