import type { Db } from 'mongodb';
import type { PlatformAdapter } from '../platform-adapter.ts';
import { createSingleLinkAdapter } from '../single-link-adapter.ts';
import { OMNISTACK_CLIENTS_COLLECTION } from './omnistack-record.ts';

/** OmniStack's `clients` collection: `externalId` is its CRM client. */
export function createOmnistackClientAdapter(db: Db): PlatformAdapter {
  return createSingleLinkAdapter(db, { platform: 'omnistack', collection: OMNISTACK_CLIENTS_COLLECTION, linkField: 'externalId', linkedPlatform: 'crm' });
}
