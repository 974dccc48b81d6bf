-- `idsync findings` and GET /api/findings list findings newest first, often with no filter: this
-- index serves that order (findings_kind already serves it filtered by kind).
create index findings_newest on findings (last_seen_at desc, id desc);
