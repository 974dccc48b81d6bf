import type { Db } from 'mongodb';
import { mongoConnector, mongoWatch } from '../mongo-connector.ts';
import type { WatchSpec } from '../watch-spec.ts';
import { createOmnistackAccountOpener } from './omnistack-account.ts';
import { createOmnistackAdapter } from './omnistack-adapter.ts';
import { createOmnistackClientAdapter } from './omnistack-client.ts';
import { createOmnistackProfileTarget } from './omnistack-profile.ts';
import { OMNISTACK_CLIENTS_COLLECTION, OMNISTACK_USERS_COLLECTION } from './omnistack-record.ts';

/** OmniStack Gateway (MongoDB): users, clients, and a target of `propagate profile`. */
export const omnistackConnector = mongoConnector('omnistack', (config) => config.omnistack, (db) => ({
  adapter: createOmnistackAdapter(db),
  clientAdapter: createOmnistackClientAdapter(db),
  profileTarget: createOmnistackProfileTarget(db),
  accountOpener: createOmnistackAccountOpener(db),
  watch: omnistackWatch(db),
}));

/** OmniStack's `users` and `clients` collections. */
export function omnistackWatch(db: Db): WatchSpec[] {
  return mongoWatch('omnistack', db, { user: OMNISTACK_USERS_COLLECTION, client: OMNISTACK_CLIENTS_COLLECTION });
}
