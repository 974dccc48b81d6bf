import type { Db } from 'mongodb';
import type { PlatformConnector } from '../connector.ts';
import { openMongo } from '../mongo-connection.ts';
import { isRetryableMongoError } from '../mongo-errors.ts';
import type { WatchSpec } from '../watch-spec.ts';
import { createCrmAccountOpener } from './crm-account.ts';
import { createCrmAdapter } from './crm-adapter.ts';
import { createCrmClientAdapter } from './crm-client.ts';
import { createCrmProfileReader } from './crm-profile.ts';
import { CRM_CLIENTS_COLLECTION, CRM_USERS_COLLECTION } from './crm-record.ts';

/** Trackmaster CRM (MongoDB): the hub. Its users are the profiles `propagate profile` copies. */
export const crmConnector: PlatformConnector = {
  platform: 'crm',
  open: async (config, options) => {
    const connection = await openMongo('crm', config.crm, options);
    const { db } = connection;
    return {
      platform: 'crm',
      dependencies: [connection],
      adapter: createCrmAdapter(db),
      clientAdapter: createCrmClientAdapter(db),
      profileSource: createCrmProfileReader(db),
      accountOpener: createCrmAccountOpener(db),
      watch: crmWatch(db),
    };
  },
  isRetryable: isRetryableMongoError,
};

/** The CRM's `User` and `Client` collections, through their change streams. */
export function crmWatch(db: Db): WatchSpec[] {
  return [
    { transport: 'mongo', platform: 'crm', kind: 'user', collection: db.collection(CRM_USERS_COLLECTION) },
    { transport: 'mongo', platform: 'crm', kind: 'client', collection: db.collection(CRM_CLIENTS_COLLECTION) },
  ];
}
