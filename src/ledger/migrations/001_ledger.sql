-- The ledger: what idsync did, found and failed at. Rows carry IDs, never emails or secrets.

-- One row per failed job attempt: who, which platform, which job, the error and the attempt.
create table sync_errors (
  id           bigserial primary key,
  occurred_at  timestamptz not null default now(),
  person_key   text,                 -- '<platform>:<id>' of the record the job started from
  platform     text,                 -- the system whose call failed, when known
  queue        text not null,
  job_name     text not null,
  job_id       text not null,
  error_code   text not null,
  error_message text not null,
  attempt      integer not null check (attempt >= 1)
);
create index sync_errors_person on sync_errors (person_key, occurred_at desc);

-- One row per audit or cleanup run, with its counts by issue kind.
create table audit_runs (
  id           text primary key,     -- the run id, also the BullMQ job id
  kind         text not null check (kind in ('audit', 'cleanup-orphans', 'backfill')),
  trigger      jsonb not null,       -- {"type": "schedule" | "command" | "api", ...}
  status       text not null check (status in ('running', 'completed', 'failed', 'awaiting-confirmation')),
  counts       jsonb not null default '{}'::jsonb,
  started_at   timestamptz not null default now(),
  finished_at  timestamptz
);

-- Each person's last known sync status, keyed by the CRM user id.
create table sync_status (
  user_id            text primary key,
  platforms_in_sync  text[] not null,
  issues             jsonb not null default '[]'::jsonb,
  last_check         timestamptz not null,
  audit_run_id       text references audit_runs (id) on delete set null
);

-- Conflicts, orphan references, malformed ids and missing records, with their provenance. A finding
-- seen again (every reconcile of the same person sees it) updates its row instead of adding one.
create table findings (
  id            bigserial primary key,
  fingerprint   text not null unique, -- kind, person and what the finding is about
  kind          text not null,        -- 'conflict' | 'orphan' | 'malformed-id' | 'missing'
  person_key    text not null,
  platform      text not null,
  record_id     text,
  detail        jsonb not null default '{}'::jsonb,
  provenance    jsonb not null,       -- {trigger, jobId, rule} of the latest sighting
  first_seen_at timestamptz not null default now(),
  last_seen_at  timestamptz not null default now(),
  occurrences   integer not null default 1,
  audit_run_id  text references audit_runs (id) on delete set null
);
create index findings_person on findings (person_key, last_seen_at desc);
create index findings_kind on findings (kind, last_seen_at desc);

-- Every write idsync made to another system, with the value it replaced and why.
create table sync_writes (
  id           bigserial primary key,
  written_at   timestamptz not null default now(),
  person_key   text not null,
  platform     text not null,
  record_id    text not null,
  field        text not null,
  before_value jsonb,
  after_value  jsonb,
  provenance   jsonb not null        -- {trigger, jobId, rule}
);
create index sync_writes_person on sync_writes (person_key, written_at desc);
