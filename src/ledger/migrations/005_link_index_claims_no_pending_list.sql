-- "Who claims this record" is asked by every reconcile, and every reconcile also refreshes rows. A
-- GIN index with fastupdate (the default) queues new entries in a pending list that each search
-- reads through until a vacuum merges it: in a backfill of 3,000 people the claims look-up took
-- 2.1 ms (80% of the ledger database's time), and 12 ms with 30,000 entries pending, against
-- 0.15 ms with none. Entries now go into the index as they are written, which costs the writes
-- little (30,000 rows in 0.8 s).
alter index link_index_claims set (fastupdate = off);
select gin_clean_pending_list('link_index_claims'::regclass);
