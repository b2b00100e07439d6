-- Every write that changes a report gives it the next change number (see Tx.nextChange): the
-- in-memory statistics follow the reports by asking for the changes after the last they saw,
-- from this process or any other.
ALTER TABLE reports ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE reports SET change_seq = id;
CREATE INDEX reports_change_seq ON reports (change_seq);
