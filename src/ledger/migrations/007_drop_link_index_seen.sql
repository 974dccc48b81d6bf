-- An audit's rebuild now finds the rows of records its scan did not see against the scan it holds
-- in memory, instead of writing every scanned key here to join against (a third of Postgres' work
-- per scanned batch). An audit still running in a process of the version before fails its next
-- batch on the missing table, and is retried by the job's own retries.
drop table link_index_seen;
