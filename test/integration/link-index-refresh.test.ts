import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedgerFixture } from '../support/ledger-fixture.ts';
import type { LedgerFixture } from '../support/ledger-fixture.ts';
import { crmRecord } from '../support/link-index-records.ts';

/*
 * A refresh answers which records it settled anew: a reconcile that wrote nothing propagates the
 * profile only then, so of two such reconciles settling the same records, only the first does.
 * The real index.
 */
describe("the link index's refresh", () => {
  let fixture: LedgerFixture;

  beforeEach(async () => {
    fixture = await createLedgerFixture();
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  it('answers the records whose settled fingerprint it wrote, and none it held already', async () => {
    const [first, other] = [crmRecord('first', 'o1', 'first@example.com'), crmRecord('other', 'o2')];
    const settle = new Set(['crm:first']);

    expect(await fixture.links.refresh([first, other], [], { settle })).toEqual(new Set(['crm:first']));
    // The same again, as a second reconcile of the person would send it: nothing new is settled.
    expect(await fixture.links.refresh([first, other], [], { settle })).toEqual(new Set());
    // A row only read that changed is written, but settles nothing.
    expect(await fixture.links.refresh([crmRecord('other', 'o3')], [])).toEqual(new Set());
    // The record changed: its new fingerprint is settled anew.
    expect(await fixture.links.refresh([crmRecord('first', 'o4', 'first@example.com')], [], { settle })).toEqual(new Set(['crm:first']));
  });
});
