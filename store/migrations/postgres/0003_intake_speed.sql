CREATE TABLE progress (
	name  TEXT PRIMARY KEY,
	value BIGINT NOT NULL
);
INSERT INTO progress (name, value) SELECT 'duplicates', coalesce(max(id), 0) FROM reports;
