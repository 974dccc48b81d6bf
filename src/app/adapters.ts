import { createBookmasterAdapter } from '../platforms/bookmaster/bookmaster-adapter.ts';
import { createCrmAccountOpener } from '../platforms/crm/crm-account.ts';
import { createCrmAdapter } from '../platforms/crm/crm-adapter.ts';
import { createCrmClientAdapter } from '../platforms/crm/crm-client.ts';
import { isRetryableMongoError } from '../platforms/mongo-errors.ts';
import { createOmnistackAccountOpener } from '../platforms/omnistack/omnistack-account.ts';
import { createOmnistackAdapter } from '../platforms/omnistack/omnistack-adapter.ts';
import { createOmnistackClientAdapter } from '../platforms/omnistack/omnistack-client.ts';
import { createOmnistackProfileTarget } from '../platforms/omnistack/omnistack-profile.ts';
import { isRetryablePostgresError } from '../platforms/postgres-errors.ts';
import type { ProfileTargets } from '../platforms/profile-target.ts';
import type { AccountOpeners } from '../platforms/staff-account.ts';
import type { Adapters } from '../platforms/platform-adapter.ts';
import type { Dependencies } from './open-dependencies.ts';

/**
 * One adapter per synced platform whose connection is open. Supabase has none yet: its server
 * cannot be fetched on the development machines (README, design notes).
 */
export function createAdapters(dependencies: Dependencies): Adapters {
  return {
    ...(dependencies.crm ? { crm: createCrmAdapter(dependencies.crm.db) } : {}),
    ...(dependencies.omnistack ? { omnistack: createOmnistackAdapter(dependencies.omnistack.db) } : {}),
    ...(dependencies.bookmaster ? { bookmaster: createBookmasterAdapter(dependencies.bookmaster.pool) } : {}),
  };
}

/** The client collections (CRM `Client`, OmniStack `clients`) as adapters of the same engine. */
export function createClientAdapters(dependencies: Dependencies): Adapters {
  return {
    ...(dependencies.crm ? { crm: createCrmClientAdapter(dependencies.crm.db) } : {}),
    ...(dependencies.omnistack ? { omnistack: createOmnistackClientAdapter(dependencies.omnistack.db) } : {}),
  };
}

/**
 * The systems a CRM profile is propagated to (SPEC §5). Supabase gets its target with its adapter;
 * until then the propagate job logs and skips Supabase links.
 */
export function createProfileTargets(dependencies: Dependencies): ProfileTargets {
  return dependencies.omnistack ? { omnistack: createOmnistackProfileTarget(dependencies.omnistack.db) } : {};
}

/**
 * The systems `create-staff-member` can open accounts in. Supabase gets its opener with its
 * adapter; until then a deployment that syncs Supabase fails the job with IDSYNC_ERR_NOT_AVAILABLE.
 */
export function createAccountOpeners(dependencies: Dependencies): AccountOpeners {
  return {
    ...(dependencies.omnistack ? { omnistack: createOmnistackAccountOpener(dependencies.omnistack.db) } : {}),
    ...(dependencies.crm ? { crm: createCrmAccountOpener(dependencies.crm.db) } : {}),
  };
}

/** Whether a failure of any system's driver may pass on retry. */
export function isRetryable(error: unknown): boolean {
  return isRetryableMongoError(error) || isRetryablePostgresError(error);
}
