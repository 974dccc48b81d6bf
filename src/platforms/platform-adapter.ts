import type { Platform } from '../ids/index.ts';
import type { LinkChange, PersonRecord } from './person-record.ts';

/** What a compare-and-set write found: its change applied, or the record changed since it was read. */
export type WriteOutcome = 'written' | 'stale';

export interface ScanOptions {
  /** Records per batch (one database round trip each). Default: 1000. */
  batchSize?: number;
}

/**
 * One system behind one interface. Every id argument has been validated by the caller
 * (src/ids); adapters still pass ids to their database only as bound parameters or typed values,
 * never as query operators.
 */
export interface PlatformAdapter {
  readonly platform: Platform;
  /** The record with this raw id, or null when it does not exist. */
  get(id: string): Promise<PersonRecord | null>;
  /** The records of these raw ids that exist, in one round trip, by primary key. */
  getMany(ids: readonly string[]): Promise<PersonRecord[]>;
  /** Records whose email equals `email`, trimmed and case-insensitively. */
  findByEmail(email: string): Promise<PersonRecord[]>;
  /**
   * Applies `change` to the record if its link fields still equal `record.snapshot`; otherwise
   * changes nothing and answers 'stale'. A change that would leave the fields as they are is a
   * no-op that answers 'written' without a write.
   */
  writeLinks(record: PersonRecord, change: LinkChange): Promise<WriteOutcome>;
  /** Every record's link fields, in batches, one round trip per batch (for audits). */
  scan(options?: ScanOptions): AsyncIterable<PersonRecord[]>;
}

/** One adapter per platform that has one (a deployment's synced platforms, or a test's choice). */
export type Adapters = Partial<Record<Platform, PlatformAdapter>>;
