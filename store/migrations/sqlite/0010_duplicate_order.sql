-- On PostgreSQL this migration puts the report ID into the indexes by business number and by
-- phone, for the duplicate scan's questions in ID order. SQLite's indexes end with the rowid
-- already: nothing to do.
SELECT 1;
