import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../../src/ids/index.ts';
import type { Platform } from '../../../src/ids/index.ts';
import { ACCOUNT_PLATFORMS } from '../../../src/platforms/staff-account.ts';
import type { AccountPlatform } from '../../../src/platforms/staff-account.ts';
import { accountSteps, nextStep, readProgress, reconcileOrigin } from '../../../src/provision/steps.ts';
import type { ProvisionProgress } from '../../../src/provision/steps.ts';

const IDS: Record<AccountPlatform, string> = {
  supabase: '5f0c1f2a-8d1e-4c57-9a43-2b7e1c0d9e61',
  omnistack: '65f0a1b2c3d4e5f6a7b8c9d0',
  crm: '6743f0a1c2d3e4f5a6b7c8d9',
};

const syncedPlatforms = fc.subarray([...PLATFORMS] as Platform[]);

function progressWith(platforms: readonly AccountPlatform[]): ProvisionProgress {
  return { phase: 'provision', accounts: Object.fromEntries(platforms.map((platform) => [platform, { id: IDS[platform], created: true }])) };
}

describe('the create-staff-member steps', () => {
  it('are the synced systems among Supabase, OmniStack and the CRM, always in that order', () => {
    fc.assert(
      fc.property(syncedPlatforms, (platforms) => {
        const steps = accountSteps(platforms);
        expect(steps).toEqual(ACCOUNT_PLATFORMS.filter((platform) => platforms.includes(platform)));
      }),
    );
    expect(accountSteps(['bookmaster', 'crm', 'omnistack'])).toEqual(['omnistack', 'crm']);
  });

  it('resume at the first step without an account, whatever was done before, and end when all are done', () => {
    fc.assert(
      fc.property(syncedPlatforms, fc.subarray([...ACCOUNT_PLATFORMS]), (platforms, done) => {
        const steps = accountSteps(platforms);
        const next = nextStep(steps, progressWith(done));
        expect(next).toBe(steps.find((step) => !done.includes(step)) ?? null);
      }),
    );
  });

  it('link from the CRM account when there is one, else from the last account opened', () => {
    expect(reconcileOrigin(['supabase', 'omnistack', 'crm'], progressWith(['supabase', 'omnistack', 'crm']))).toEqual({ platform: 'crm', id: IDS.crm });
    expect(reconcileOrigin(['supabase', 'omnistack'], progressWith(['supabase', 'omnistack']))).toEqual({ platform: 'omnistack', id: IDS.omnistack });
    expect(reconcileOrigin(['supabase'], progressWith([]))).toBeNull();
  });
});

describe('readProgress', () => {
  it('keeps every well-formed account and round-trips what the job saved', () => {
    const saved = progressWith(['supabase', 'omnistack', 'crm']);
    expect(readProgress(JSON.parse(JSON.stringify(saved)))).toEqual(saved);
  });

  it('drops what is not a canonical id of its system with a created flag, so that step runs again', () => {
    const stored = {
      accounts: {
        supabase: { id: IDS.supabase.toUpperCase(), created: false },
        omnistack: { id: { $ne: null }, created: true },
        crm: { id: IDS.crm },
        bookmaster: { id: 'bm_1', created: true },
      },
    };
    expect(readProgress(stored)).toEqual({ phase: 'provision', accounts: { supabase: { id: IDS.supabase, created: false } } });
    for (const nothing of [undefined, null, 0, 'x', { accounts: null }, { accounts: 'x' }]) expect(readProgress(nothing)).toEqual({ phase: 'provision', accounts: {} });
  });
});
