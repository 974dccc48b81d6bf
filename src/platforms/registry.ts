import { closeAll } from '../config/dependency.ts';
import type { Dependency } from '../config/dependency.ts';
import type { Config } from '../config/load-config.ts';
import { codes, InvalidInputError } from '../errors.ts';
import type { Platform } from '../ids/index.ts';
import { bookmasterConnector } from './bookmaster/bookmaster-connector.ts';
import type { ConnectorOptions, OpenPlatform, OpenPlatforms, PlatformConnector } from './connector.ts';
import { crmConnector } from './crm/crm-connector.ts';
import { omnistackConnector } from './omnistack/omnistack-connector.ts';
import { supabaseConnector } from './supabase/supabase-connector.ts';

/** Every system idsync can connect to, one line each. A platform without a line is never synced. */
export const CONNECTORS: Readonly<Partial<Record<Platform, PlatformConnector>>> = Object.freeze({
  crm: crmConnector,
  omnistack: omnistackConnector,
  supabase: supabaseConnector,
  bookmaster: bookmasterConnector,
});

/**
 * The one definition of "synced": enabled in the configuration (PLATFORMS) and has a connector, in
 * the configuration's order. Whatever asks which systems idsync syncs asks this.
 */
export function syncedPlatforms(config: Pick<Config, 'platforms'>, connectors: Readonly<Partial<Record<Platform, PlatformConnector>>> = CONNECTORS): Platform[] {
  return config.platforms.filter((platform) => connectors[platform] !== undefined);
}

/** Refuses, as bad input, any of `platforms` that is not synced: codes.PLATFORM_NOT_SYNCED. */
export function requireSynced(config: Pick<Config, 'platforms'>, platforms: readonly Platform[]): void {
  const synced = syncedPlatforms(config);
  const refused = platforms.filter((platform) => !synced.includes(platform));
  if (refused.length > 0) {
    throw new InvalidInputError(codes.PLATFORM_NOT_SYNCED, `${refused.join(', ')} not synced by this deployment (synced: ${synced.join(', ') || 'none'})`);
  }
}

/** Whether a failure of any system's driver may pass on retry. */
export function isRetryable(error: unknown): boolean {
  return Object.values(CONNECTORS).some((connector) => connector.isRetryable(error));
}

export interface OpenedPlatforms {
  readonly platforms: OpenPlatforms;
  /** Every platform's connections, in the configuration's order. */
  readonly dependencies: readonly Dependency[];
  /** Closes every connection. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Opens every synced platform, concurrently. If any cannot be reached, the others are closed again
 * and the first failure (in the configuration's order) is thrown.
 */
export async function openSyncedPlatforms(config: Config, options: ConnectorOptions): Promise<OpenedPlatforms> {
  const connectors = syncedPlatforms(config).flatMap((platform) => CONNECTORS[platform] ?? []);
  const settled = await Promise.allSettled(connectors.map((connector) => connector.open(config, options)));
  const opened = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const dependencies = opened.flatMap((open) => open.dependencies);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) {
    await closeAll(dependencies, options.logger);
    throw failure.reason;
  }
  const platforms: OpenPlatforms = Object.fromEntries(opened.map((open): [Platform, OpenPlatform] => [open.platform, open]));
  return { platforms, dependencies, close: () => closeAll(dependencies, options.logger) };
}
