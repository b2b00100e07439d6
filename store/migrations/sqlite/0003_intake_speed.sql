-- Work taken off the intake path of the writer: see BENCHMARKS.md.

-- Business names are indexed for search by the writer once per group commit, in the same
-- transaction (see DB.indexNames), rather than by a trigger per row: FTS5 flushes a segment at
-- every statement inside a transaction, which cost a quarter of the writer's time at intake.
DROP TRIGGER reports_fts_insert;

-- The queue's service filter checks report_services by its primary key; this index served
-- nothing and cost every intake an insert.
DROP INDEX report_services_service;

-- How far background jobs have got, by name: the duplicate scan records the last report it
-- has checked, so that a restart resumes where it stopped.
CREATE TABLE progress (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO progress (name, value) SELECT 'duplicates', coalesce(max(id), 0) FROM reports;
