-- What the last reconcile that completed with this record in its person saw of the record: a
-- sha256 of everything the planner reads of it (its email, creation time and every link entry).
-- A change event whose record still reads exactly so carries nothing a reconcile would act on
-- (the echo of idsync's own write, or an edit of another field), so its job ends after one read.
-- Null: no completed reconcile has seen the record since the column exists.
alter table link_index add column settled text;
