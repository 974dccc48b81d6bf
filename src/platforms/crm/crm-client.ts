import type { Db } from 'mongodb';
import type { PlatformAdapter } from '../platform-adapter.ts';
import { createSingleLinkAdapter } from '../single-link-adapter.ts';
import { CRM_CLIENTS_COLLECTION } from './crm-record.ts';

/** The CRM's `Client` collection: `omniGatewayId` is its OmniStack client. */
export function createCrmClientAdapter(db: Db): PlatformAdapter {
  return createSingleLinkAdapter(db, { platform: 'crm', collection: CRM_CLIENTS_COLLECTION, linkField: 'omniGatewayId', linkedPlatform: 'omnistack' });
}
