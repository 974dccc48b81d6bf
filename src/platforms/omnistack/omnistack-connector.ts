import type { Db } from 'mongodb';
import type { PlatformConnector } from '../connector.ts';
import { openMongo } from '../mongo-connection.ts';
import { isRetryableMongoError } from '../mongo-errors.ts';
import type { WatchSpec } from '../watch-spec.ts';
import { createOmnistackAccountOpener } from './omnistack-account.ts';
import { createOmnistackAdapter } from './omnistack-adapter.ts';
import { createOmnistackClientAdapter } from './omnistack-client.ts';
import { createOmnistackProfileTarget } from './omnistack-profile.ts';
import { OMNISTACK_CLIENTS_COLLECTION, OMNISTACK_USERS_COLLECTION } from './omnistack-record.ts';

/** OmniStack Gateway (MongoDB): users, clients, and a target of `propagate profile`. */
export const omnistackConnector: PlatformConnector = {
  platform: 'omnistack',
  open: async (config, options) => {
    const connection = await openMongo('omnistack', config.omnistack, options);
    const { db } = connection;
    return {
      platform: 'omnistack',
      dependencies: [connection],
      adapter: createOmnistackAdapter(db),
      clientAdapter: createOmnistackClientAdapter(db),
      profileTarget: createOmnistackProfileTarget(db),
      accountOpener: createOmnistackAccountOpener(db),
      watch: omnistackWatch(db),
    };
  },
  isRetryable: isRetryableMongoError,
};

/** OmniStack's `users` and `clients` collections, through their change streams. */
export function omnistackWatch(db: Db): WatchSpec[] {
  return [
    { transport: 'mongo', platform: 'omnistack', kind: 'user', collection: db.collection(OMNISTACK_USERS_COLLECTION) },
    { transport: 'mongo', platform: 'omnistack', kind: 'client', collection: db.collection(OMNISTACK_CLIENTS_COLLECTION) },
  ];
}
