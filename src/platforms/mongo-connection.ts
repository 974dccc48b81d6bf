import { MongoClient } from 'mongodb';
import type { Db } from 'mongodb';
import type { Dependency } from '../config/dependency.ts';
import { maskUrl } from '../config/mask-url.ts';
import type { MongoTarget } from '../config/load-config.ts';
import { ServiceUnreachableError } from '../errors.ts';
import { SETTING_DEFAULTS } from '../config/env-schema.ts';

export interface MongoConnection extends Dependency {
  readonly client: MongoClient;
  readonly db: Db;
}

export interface MongoConnectionOptions {
  /** How long to wait for a server before giving up, in ms. Default: 5000. */
  connectTimeoutMs?: number;
  /** Observe every command (tests count round trips with it). Default: false. */
  monitorCommands?: boolean;
}

/** Connects to a MongoDB deployment and proves it answers, or throws ServiceUnreachableError. */
export async function openMongo(name: string, target: MongoTarget, options: MongoConnectionOptions = {}): Promise<MongoConnection> {
  const timeoutMs = options.connectTimeoutMs ?? SETTING_DEFAULTS.connectTimeoutMs;
  const client = new MongoClient(target.url, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    monitorCommands: options.monitorCommands ?? false,
  });
  const url = maskUrl(target.url);
  try {
    await client.connect();
    await client.db(target.database).command({ ping: 1 });
  } catch (error) {
    await client.close();
    throw new ServiceUnreachableError(name, url, error);
  }
  const db = client.db(target.database);
  return {
    name,
    url,
    client,
    db,
    check: async () => {
      await db.command({ ping: 1 });
    },
    // MongoClient.close is itself idempotent.
    close: () => client.close(),
  };
}
