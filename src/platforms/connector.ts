import type { Dependency } from '../config/dependency.ts';
import type { Config } from '../config/load-config.ts';
import type { Platform } from '../ids/index.ts';
import type { Logger } from '../logging/logger.ts';
import type { PlatformAdapter } from './platform-adapter.ts';
import type { CrmProfileReader, ProfileTarget } from './profile-target.ts';
import type { AccountOpener } from './staff-account.ts';
import type { WatchSpec } from './watch-spec.ts';

/*
 * One system as idsync connects to it. Each system's folder (src/platforms/<key>/) exports one
 * PlatformConnector; src/platforms/registry.ts lists them. Everything above this layer (the app,
 * the CLI, the watchers) loops over the open platforms instead of naming systems.
 */

export interface ConnectorOptions {
  /** How long to wait for each service, in ms (CONNECT_TIMEOUT_MS). */
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
}

/** One system, connected: every part of idsync that reads or writes it. */
export interface OpenPlatform {
  readonly platform: Platform;
  /** Its connections: /healthz checks them, closing idsync closes them. */
  readonly dependencies: readonly Dependency[];
  /** Its people: reads and compare-and-set link writes. */
  readonly adapter: PlatformAdapter;
  /** Its clients, where it holds clients. Default: none. */
  readonly clientAdapter?: PlatformAdapter;
  /** Where `propagate profile` copies a CRM profile to. Default: none (the job skips its links). */
  readonly profileTarget?: ProfileTarget;
  /** Where `propagate profile` reads a profile from: the CRM's alone. Default: none. */
  readonly profileSource?: CrmProfileReader;
  /** Opens staff accounts for `create-staff-member`. Default: none (a synced system without one fails the job). */
  readonly accountOpener?: AccountOpener;
  /** What the watchers follow. Empty: its changes reach idsync through audits and backfills only. */
  readonly watch: readonly WatchSpec[];
  /** Creates what a development set-up lacks where the real system owns its schema; never run in production. Default: none. */
  prepareDev?(): Promise<void>;
}

export type OpenPlatforms = Partial<Record<Platform, OpenPlatform>>;

export interface PlatformConnector {
  readonly platform: Platform;
  /**
   * Connects as the configuration describes and proves the system answers. A failure closes what
   * it opened and throws (ServiceUnreachableError naming the service and its masked URL).
   */
  open(config: Config, options: ConnectorOptions): Promise<OpenPlatform>;
  /** Whether a failure of this system's driver may pass on retry. */
  isRetryable(error: unknown): boolean;
}

type PartName = 'adapter' | 'clientAdapter' | 'profileTarget' | 'profileSource' | 'accountOpener';

/** One part of every open platform that has it, by platform: e.g. `partsOf(platforms, 'adapter')` is the Adapters. */
export function partsOf<K extends PartName>(platforms: OpenPlatforms, part: K): Partial<Record<Platform, NonNullable<OpenPlatform[K]>>> {
  const parts: Partial<Record<Platform, NonNullable<OpenPlatform[K]>>> = {};
  for (const open of Object.values(platforms)) {
    const value = open[part];
    if (value !== undefined && value !== null) parts[open.platform] = value;
  }
  return parts;
}
