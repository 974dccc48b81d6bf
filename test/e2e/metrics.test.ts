import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/metrics/metrics.ts';
import { createE2eStores, newPerson, waitForWatching } from '../support/e2e-stores.ts';
import type { E2eStores } from '../support/e2e-stores.ts';
import { runIdsync } from '../support/idsync-process.ts';
import type { IdsyncProcess } from '../support/idsync-process.ts';
import { parseSamples, total } from '../support/prometheus.ts';
import { waitFor } from '../support/wait-for.ts';

const API_TOKEN = 'e2e-metrics-api-token-0123456789';

describe('idsync start: /metrics after an end-to-end run', () => {
  let stores: E2eStores;
  let idsync: IdsyncProcess | undefined;

  beforeEach(async () => {
    stores = await createE2eStores({ API_TOKEN });
  });

  afterEach(async () => {
    await idsync?.stop('SIGTERM');
    await stores.dispose();
  });

  it('shows the documented metrics with non-zero values after a write, a link, a profile change and an audit', async () => {
    idsync = runIdsync(['start'], stores.env);
    const started = await idsync.waitForLog('idsync started');
    await waitForWatching(idsync);
    const base = String(started.http);
    const auth = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };

    const person = newPerson();
    await stores.writePeople([person]);
    await waitFor('the person to be linked', async () => (await stores.countLinked([person])) === 1, { timeoutMs: 15_000 });
    await stores.crm.collection('User').updateOne({ _id: new ObjectId(person.crm) }, { $set: { name: 'Augusta Ada King' } });
    await waitFor('the name to reach OmniStack', async () => (await stores.omnistack.collection('users').findOne({ _id: new ObjectId(person.omnistack) }))?.surname === 'King', { timeoutMs: 15_000 });
    const audit = await fetch(`${base}/api/audit`, { method: 'POST', headers: auth, body: JSON.stringify({ reportOnly: true }) });
    expect(audit.status).toBe(202);
    await waitFor('the audit run to complete', async () => {
      const { rows } = await stores.ledger.query("select 1 from audit_runs where kind = 'audit' and status = 'completed'");
      return rows.length === 1;
    }, { timeoutMs: 20_000 });

    const samples = await waitFor('every metric to be non-zero', async () => {
      const response = await fetch(`${base}/metrics`, { headers: auth });
      const parsed = parseSamples(await response.text());
      const figures = [
        total(parsed, METRIC_NAMES.changeEvents),
        // The echo of the profile written to OmniStack, at least, comes after its person settled.
        total(parsed, METRIC_NAMES.settledChanges),
        total(parsed, METRIC_NAMES.jobs, { queue: 'reconcile', outcome: 'completed' }),
        total(parsed, METRIC_NAMES.jobs, { queue: 'maintenance', outcome: 'completed' }),
        total(parsed, METRIC_NAMES.platformWrites, { outcome: 'written' }),
        total(parsed, METRIC_NAMES.profileWrites, { platform: 'omnistack', outcome: 'written' }),
        total(parsed, `${METRIC_NAMES.changeToConsistent}_count`),
        total(parsed, METRIC_NAMES.queueJobs, { queue: 'reconcile', state: 'completed' }),
        total(parsed, METRIC_NAMES.lastAuditCount, { name: 'people' }),
        total(parsed, METRIC_NAMES.lastAuditFinished),
      ];
      return figures.every((figure) => figure > 0) ? parsed : undefined;
    }, { timeoutMs: 10_000 });
    expect(total(samples, METRIC_NAMES.platformWrites, { platform: 'crm', outcome: 'written' })).toBeGreaterThan(0);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
  });
});
