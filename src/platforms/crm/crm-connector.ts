import type { Db } from 'mongodb';
import { mongoConnector, mongoWatch } from '../mongo-connector.ts';
import type { WatchSpec } from '../watch-spec.ts';
import { createCrmAccountOpener } from './crm-account.ts';
import { createCrmAdapter } from './crm-adapter.ts';
import { createCrmClientAdapter } from './crm-client.ts';
import { createCrmProfileReader } from './crm-profile.ts';
import { CRM_CLIENTS_COLLECTION, CRM_USERS_COLLECTION } from './crm-record.ts';

/** Trackmaster CRM (MongoDB): the hub. Its users are the profiles `propagate profile` copies. */
export const crmConnector = mongoConnector('crm', (config) => config.crm, (db) => ({
  adapter: createCrmAdapter(db),
  clientAdapter: createCrmClientAdapter(db),
  profileSource: createCrmProfileReader(db),
  accountOpener: createCrmAccountOpener(db),
  watch: crmWatch(db),
}));

/** The CRM's `User` and `Client` collections. */
export function crmWatch(db: Db): WatchSpec[] {
  return mongoWatch('crm', db, { user: CRM_USERS_COLLECTION, client: CRM_CLIENTS_COLLECTION });
}
