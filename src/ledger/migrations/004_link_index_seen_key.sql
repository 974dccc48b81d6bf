-- An audit's rebuild deletes the rows its scan did not see with an anti-join on the full key. Keyed
-- by run alone, that join depends on fresh statistics: right after a scan fills the table, before
-- autoanalyze, the planner expects one row per run and loops over every seen row for every indexed
-- row (minutes at 30,000 records). Keyed in full, each probe is one index look-up whatever the plan.
drop index link_index_seen_run;
create index link_index_seen_key on link_index_seen (run_id, platform, record_id);
