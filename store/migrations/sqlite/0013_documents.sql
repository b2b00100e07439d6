-- Written once for both databases (see store/migrate.go, pgTypes).
-- Documents a merchant sends with a report or with an answer to a request (see
-- documents.go), and the documents a request asks for.
ALTER TABLE reports ADD COLUMN info_documents TEXT NOT NULL DEFAULT '';
CREATE TABLE documents (
	id           INTEGER PRIMARY KEY,
	report_id    INTEGER NOT NULL REFERENCES reports (id),
	kind         TEXT NOT NULL,
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	data         BLOB NOT NULL,
	source       TEXT NOT NULL CHECK (source IN ('filing', 'answer')),
	at           TEXT NOT NULL
);
CREATE INDEX documents_report ON documents (report_id);

-- Messages sent to many at once (a reviewer's announcement to a queue's reports) share a batch,
-- whose progress the console shows.
ALTER TABLE messages ADD COLUMN batch TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_batch ON messages (batch) WHERE batch != '';
