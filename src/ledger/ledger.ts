import type { Pool } from 'pg';
import { named } from './named-statement.ts';
import type { Provenance } from './provenance.ts';

export interface WriteRow {
  readonly personKey: string;
  readonly platform: string;
  readonly recordId: string;
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly provenance: Provenance;
}

export interface FindingRow {
  readonly kind: string;
  readonly personKey: string;
  readonly platform: string;
  readonly recordId: string | null;
  /** Ids and reasons only: never an email, a secret or a malformed value. */
  readonly detail: Record<string, unknown>;
  readonly provenance: Provenance;
  readonly auditRunId?: string;
}

export interface SyncErrorRow {
  readonly personKey: string | null;
  readonly platform: string | null;
  readonly queue: string;
  readonly jobName: string;
  readonly jobId: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly attempt: number;
}

/** The ledger: idsync's own record of what it wrote, found and failed at. */
export interface Ledger {
  recordOutcome(writes: readonly WriteRow[], findings: readonly FindingRow[]): Promise<void>;
  recordSyncError(row: SyncErrorRow): Promise<void>;
}

export function createLedger(pool: Pool): Ledger {
  return {
    recordOutcome: async (writes, findings) => {
      if (writes.length === 0 && findings.length === 0) return;
      // One statement per table, each row set passed as a JSON array: a reconcile's outcome costs
      // two round trips at most however many rows it has.
      if (writes.length > 0) await pool.query({ ...INSERT_WRITES, values: [JSON.stringify(writes.map(writeToJson))] });
      // Postgres refuses to upsert one row twice in a statement, so repeated sightings collapse first.
      const unique = new Map(findings.map((row) => [findingFingerprint(row), row]));
      if (unique.size > 0) await pool.query({ ...UPSERT_FINDINGS, values: [JSON.stringify([...unique.values()].map(findingToJson))] });
    },
    recordSyncError: async (row) => {
      await pool.query(INSERT_SYNC_ERROR, [
        row.personKey,
        row.platform,
        row.queue,
        row.jobName,
        row.jobId,
        row.errorCode,
        row.errorMessage,
        row.attempt,
      ]);
    },
  };
}

/** Two sightings of the same finding share a fingerprint: kind, person, record and its subject. */
export function findingFingerprint(row: FindingRow): string {
  return JSON.stringify([row.kind, row.personKey, row.platform, row.recordId, row.detail]);
}

function writeToJson(row: WriteRow) {
  return {
    person_key: row.personKey,
    platform: row.platform,
    record_id: row.recordId,
    field: row.field,
    before_value: row.before ?? null,
    after_value: row.after ?? null,
    provenance: row.provenance,
  };
}

function findingToJson(row: FindingRow) {
  return {
    fingerprint: findingFingerprint(row),
    kind: row.kind,
    person_key: row.personKey,
    platform: row.platform,
    record_id: row.recordId,
    detail: row.detail,
    provenance: row.provenance,
    audit_run_id: row.auditRunId ?? null,
  };
}

const INSERT_WRITES = named('ledger-insert-writes', `
insert into sync_writes (person_key, platform, record_id, field, before_value, after_value, provenance)
select person_key, platform, record_id, field, before_value, after_value, provenance
from jsonb_to_recordset($1::jsonb) as row(person_key text, platform text, record_id text, field text,
  before_value jsonb, after_value jsonb, provenance jsonb)`);

const UPSERT_FINDINGS = named('ledger-upsert-findings', `
insert into findings (fingerprint, kind, person_key, platform, record_id, detail, provenance, audit_run_id)
select fingerprint, kind, person_key, platform, record_id, detail, provenance, audit_run_id
from jsonb_to_recordset($1::jsonb) as row(fingerprint text, kind text, person_key text, platform text,
  record_id text, detail jsonb, provenance jsonb, audit_run_id text)
on conflict (fingerprint) do update set
  last_seen_at = now(),
  occurrences = findings.occurrences + 1,
  provenance = excluded.provenance,
  audit_run_id = coalesce(excluded.audit_run_id, findings.audit_run_id)`);

const INSERT_SYNC_ERROR = `
insert into sync_errors (person_key, platform, queue, job_name, job_id, error_code, error_message, attempt)
values ($1, $2, $3, $4, $5, $6, $7, $8)`;
