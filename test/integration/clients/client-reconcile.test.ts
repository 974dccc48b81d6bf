import { createLinkIndex } from '../../../src/link-index/link-index.ts';
import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.ts';
import { createCrmClientAdapter } from '../../../src/platforms/crm/crm-client.ts';
import { createOmnistackClientAdapter } from '../../../src/platforms/omnistack/omnistack-client.ts';
import { reconcilePerson } from '../../../src/reconcile/reconcile-person.ts';
import type { ReconcileDependencies } from '../../../src/reconcile/reconcile-person.ts';
import { createLedgerFixture } from '../../support/ledger-fixture.ts';
import type { LedgerFixture } from '../../support/ledger-fixture.ts';
import { openTestMongo } from '../../support/platform-fixtures.ts';
import type { TestMongo } from '../../support/platform-fixtures.ts';

const context = { trigger: { type: 'command', via: 'cli' }, jobId: '1' } as const;
const options = { platforms: ['crm', 'omnistack'] as const };

describe('client reconcile (CRM Client ↔ OmniStack clients)', () => {
  let crm: TestMongo;
  let omnistack: TestMongo;
  let ledger: LedgerFixture;
  let deps: ReconcileDependencies;

  beforeEach(async () => {
    crm = await openTestMongo('trackmaster');
    omnistack = await openTestMongo('omnistack');
    ledger = await createLedgerFixture();
    deps = {
      adapters: { crm: createCrmClientAdapter(crm.db), omnistack: createOmnistackClientAdapter(omnistack.db) },
      links: createLinkIndex(ledger.connection.pool, 'client'),
      ledger: ledger.ledger,
      logger: createLogger({ level: 'silent' }),
    };
  });

  afterEach(async () => {
    await crm.drop();
    await omnistack.drop();
    await ledger.dispose();
  });

  it('points the CRM client back at the OmniStack client that claims it, and never reads the API key', async () => {
    const crmClient = new ObjectId();
    const omniClient = new ObjectId();
    await crm.db.collection('Client').insertOne({ _id: crmClient, name: 'Acme', omniGatewayApiKey: 'secret-api-key' });
    await omnistack.db.collection('clients').insertOne({ _id: omniClient, name: 'Acme', code: 'ACME', externalId: crmClient.toHexString() });

    const outcome = await reconcilePerson(deps, { platform: 'omnistack', id: omniClient.toHexString() }, context, options);
    expect(outcome).toMatchObject({ members: { crm: crmClient.toHexString(), omnistack: omniClient.toHexString() }, writes: 1 });
    expect(await crm.db.collection('Client').findOne({ _id: crmClient })).toMatchObject({ omniGatewayId: omniClient.toHexString(), omniGatewayApiKey: 'secret-api-key' });
    const record = await deps.adapters.crm?.get(crmClient.toHexString());
    expect(JSON.stringify(record)).not.toContain('secret-api-key');

    const again = await reconcilePerson(deps, { platform: 'crm', id: crmClient.toHexString() }, context, options);
    expect(again.writes).toBe(0);
  });

  it('reports a client pointing at a deleted client as an orphan', async () => {
    const crmClient = new ObjectId();
    const gone = new ObjectId().toHexString();
    await crm.db.collection('Client').insertOne({ _id: crmClient, name: 'Acme', omniGatewayId: gone });
    const outcome = await reconcilePerson(deps, { platform: 'crm', id: crmClient.toHexString() }, context, options);
    expect(outcome.findings).toContainEqual({ kind: 'orphan', platform: 'crm', recordId: crmClient.toHexString(), claimedPlatform: 'omnistack', claimedId: gone });
    expect(outcome.writes).toBe(0);
  });
});
