import { IdsyncError } from '../errors.ts';
import { formatRecordKey, PLATFORMS } from '../ids/index.ts';
import type { Platform, RecordKey } from '../ids/index.ts';
import { claimsOf } from '../platforms/person-record.ts';
import type { PersonRecord } from '../platforms/person-record.ts';
import type { Adapters, PlatformAdapter } from '../platforms/platform-adapter.ts';
import type { GatheredRecord } from './plan-model.ts';

export interface GatherOptions {
  /** Most records one person may span before gather gives up. Default: 32. */
  maxRecords?: number;
}

export interface Gathered {
  readonly records: GatheredRecord[];
  readonly absent: RecordKey[];
}

const DEFAULT_MAX_RECORDS = 32;

/**
 * Gather: from `origin`, loads every record it claims and every record that claims it,
 * until closed; then, for each synced platform still without a record, links one by email when the
 * email is unique there and the match claims nothing that contradicts what was gathered.
 */
export async function gatherPerson(adapters: Adapters, origin: RecordKey, options: GatherOptions = {}): Promise<Gathered> {
  const state = new GatherState(adapters, options.maxRecords ?? DEFAULT_MAX_RECORDS);
  await state.visit(origin, 'origin');
  await state.close();
  for (const platform of PLATFORMS) {
    const adapter = adapters[platform];
    if (!adapter || state.hasPlatform(platform)) continue;
    const match = await findUniqueByEmail(adapter, state.emails());
    if (match && !state.contradicts(match)) {
      state.add(match, 'email-match');
      await state.close();
    }
  }
  return { records: state.records(), absent: state.absentKeys() };
}

async function findUniqueByEmail(adapter: PlatformAdapter, emails: readonly string[]): Promise<PersonRecord | undefined> {
  for (const email of emails) {
    const found = await adapter.findByEmail(email);
    if (found.length === 1) return found[0];
  }
  return undefined;
}

/** The records gathered so far, and the keys still to follow. */
class GatherState {
  readonly #adapters: Adapters;
  readonly #maxRecords: number;
  readonly #found = new Map<string, GatheredRecord>();
  readonly #absent = new Map<string, RecordKey>();
  readonly #pending: RecordKey[] = [];
  readonly #expanded = new Set<string>();

  constructor(adapters: Adapters, maxRecords: number) {
    this.#adapters = adapters;
    this.#maxRecords = maxRecords;
  }

  /** Loads one key's record, or notes it absent. Keys of platforms idsync does not sync are skipped. */
  async visit(key: RecordKey, reachedBy: GatheredRecord['reachedBy']): Promise<void> {
    const id = formatRecordKey(key);
    const adapter = this.#adapters[key.platform];
    if (!adapter || this.#found.has(id) || this.#absent.has(id)) return;
    const record = await adapter.get(key.id);
    if (record) this.add(record, reachedBy);
    else this.#absent.set(id, key);
  }

  add(record: PersonRecord, reachedBy: GatheredRecord['reachedBy']): void {
    const id = formatRecordKey(record);
    if (this.#found.has(id)) return;
    if (this.#found.size >= this.#maxRecords) {
      throw new IdsyncError('IDSYNC_ERR_GATHER_LIMIT', `a person spans more than ${this.#maxRecords} records; starting at ${id}`);
    }
    this.#found.set(id, { record, reachedBy });
    this.#pending.push(record);
  }

  /** Follows claims in both directions until no new record turns up. */
  async close(): Promise<void> {
    for (let key = this.#pending.shift(); key; key = this.#pending.shift()) {
      const entry = this.#found.get(formatRecordKey(key));
      if (!entry || this.#expanded.has(formatRecordKey(key))) continue;
      this.#expanded.add(formatRecordKey(key));
      for (const claim of claimsOf(entry.record)) await this.visit(claim, 'id-claim');
      for (const [platform, adapter] of Object.entries(this.#adapters)) {
        if (platform === key.platform || !adapter) continue;
        for (const claimer of await adapter.findClaiming(key.platform, key.id)) this.add(claimer, 'id-claim');
      }
    }
  }

  hasPlatform(platform: Platform): boolean {
    return [...this.#found.values()].some(({ record }) => record.platform === platform);
  }

  emails(): string[] {
    const all = [...this.#found.values()].map(({ record }) => record.email);
    return [...new Set(all.filter((email): email is string => email !== null))];
  }

  /** True when `candidate` claims, for a platform already gathered, a record that was not gathered. */
  contradicts(candidate: PersonRecord): boolean {
    return claimsOf(candidate).some((claim) => this.hasPlatform(claim.platform) && !this.#found.has(formatRecordKey(claim)));
  }

  records(): GatheredRecord[] {
    return [...this.#found.values()];
  }

  absentKeys(): RecordKey[] {
    return [...this.#absent.values()];
  }
}
