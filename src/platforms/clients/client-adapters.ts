import type { Db } from 'mongodb';
import type { PlatformAdapter } from '../platform-adapter.ts';
import { createSingleLinkAdapter } from './single-link-adapter.ts';

/** The CRM's `Client` collection (Prisma's name): `omniGatewayId` is its OmniStack client. */
export function createCrmClientAdapter(db: Db): PlatformAdapter {
  return createSingleLinkAdapter(db, { platform: 'crm', collection: 'Client', linkField: 'omniGatewayId', linkedPlatform: 'omnistack' });
}

/** OmniStack's `clients` collection (Mongoose's name): `externalId` is its CRM client. */
export function createOmnistackClientAdapter(db: Db): PlatformAdapter {
  return createSingleLinkAdapter(db, { platform: 'omnistack', collection: 'clients', linkField: 'externalId', linkedPlatform: 'crm' });
}
