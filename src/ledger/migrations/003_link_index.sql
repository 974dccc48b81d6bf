-- The link index: for every record idsync has read, what it claims and a hash of its email, so
-- that "who claims this record" and "who has this email" are index look-ups in idsync's own
-- database instead of scans of the systems' collections. Rows are refreshed by every reconcile and
-- rebuilt by the audit; a row is a hint that the record read back from its system confirms.
create table link_index (
  -- 'user' or 'client': people and the CRM's clients are linked apart, each with its own index.
  kind text not null,
  platform text not null,
  record_id text not null,
  -- sha256 of the normalized email: idsync's database holds no email address.
  email_hash bytea,
  -- `<platform>:<id>` of every record this one claims.
  claims text[] not null,
  -- When the row last changed: an audit's rebuild never deletes a row a reconcile wrote after its scan began.
  refreshed_at timestamptz not null default clock_timestamp(),
  primary key (kind, platform, record_id)
);
create index link_index_claims on link_index using gin (claims);
create index link_index_email on link_index (email_hash) where email_hash is not null;

-- The keys an audit's scan saw, per run, so that its rebuild can drop the rows of records that no
-- longer exist. Unlogged: it only lives for one audit, and a crash loses nothing the next audit needs.
create unlogged table link_index_seen (
  run_id text not null,
  platform text not null,
  record_id text not null
);
create index link_index_seen_run on link_index_seen (run_id);
