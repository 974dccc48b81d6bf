import type { Db } from 'mongodb';
import type { Config, MongoTarget } from '../config/load-config.ts';
import type { Platform } from '../ids/index.ts';
import type { OpenPlatform, PlatformConnector } from './connector.ts';
import { openMongo } from './mongo-connection.ts';
import { isRetryableMongoError } from './mongo-errors.ts';
import type { WatchSpec } from './watch-spec.ts';

/** Everything of a MongoDB system but its connection, made from its open database. */
export type MongoParts = Omit<OpenPlatform, 'platform' | 'dependencies'>;

/**
 * A system stored in one MongoDB database: opened from its `target` in the configuration (the
 * connection is named after the platform), its failures retried as the driver's are.
 */
export function mongoConnector(platform: Platform, target: (config: Config) => MongoTarget, parts: (db: Db) => MongoParts): PlatformConnector {
  return {
    platform,
    open: async (config, options) => {
      const connection = await openMongo(platform, target(config), options);
      return { platform, dependencies: [connection], ...parts(connection.db) };
    },
    isRetryable: isRetryableMongoError,
  };
}

/** A MongoDB system's people and clients collections, through their change streams. */
export function mongoWatch(platform: Platform, db: Db, collections: { readonly user: string; readonly client: string }): WatchSpec[] {
  return (['user', 'client'] as const).map((kind) => ({ transport: 'mongo', platform, kind, collection: db.collection(collections[kind]) }));
}
