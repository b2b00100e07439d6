-- Staff accounts. E-mails are stored lower-cased.
CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL DEFAULT '',
	role          TEXT NOT NULL CHECK (role IN ('intake', 'reviewer', 'analyst', 'admin')),
	password_hash TEXT NOT NULL,             -- argon2id, PHC string format
	disabled_at   TEXT,
	failed_logins INTEGER NOT NULL DEFAULT 0, -- in a row; reset by a successful login
	locked_until  TEXT,
	created_at    TEXT NOT NULL,
	last_login_at TEXT
);

-- Console sessions, by the SHA-256 of the cookie's secret.
CREATE TABLE sessions (
	token_hash   TEXT PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id),
	created_at   TEXT NOT NULL,
	last_seen_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);

-- API tokens for partner systems and scripts, by the SHA-256 of the secret.
CREATE TABLE api_tokens (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL CHECK (role IN ('intake', 'reviewer', 'analyst', 'admin')),
	token_hash TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	revoked_at TEXT,
	last_used  TEXT
);

-- Review state of reports.
ALTER TABLE reports ADD COLUMN assigned_to INTEGER REFERENCES users (id);
ALTER TABLE reports ADD COLUMN entered_by TEXT NOT NULL DEFAULT ''; -- Actor.Key() of the staff who entered it
ALTER TABLE reports ADD COLUMN merged_into INTEGER REFERENCES reports (id);
ALTER TABLE reports ADD COLUMN info_request TEXT NOT NULL DEFAULT ''; -- shown to the merchant
ALTER TABLE reports ADD COLUMN info_answer TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN duplicate INTEGER NOT NULL DEFAULT 0;  -- flagged at intake

-- The queue's orders and filters, each within an incident.
CREATE INDEX reports_incident_status ON reports (incident_id, status, id);
CREATE INDEX reports_incident_loss ON reports (incident_id, claimed_loss, id);
CREATE INDEX reports_incident_phone ON reports (incident_id, phone);
CREATE INDEX reports_assigned ON reports (assigned_to, status, id) WHERE assigned_to IS NOT NULL;
CREATE INDEX reports_entered_by ON reports (entered_by, id) WHERE entered_by != '';
CREATE INDEX report_services_service ON report_services (incident_id, service_id, report_id);

-- Substring search on business names, Korean included: a trigram index kept in step with the
-- reports table by triggers. (PostgreSQL will use pg_trgm for the same.)
CREATE VIRTUAL TABLE reports_fts USING fts5 (business_name, content = 'reports', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO reports_fts (rowid, business_name) SELECT id, business_name FROM reports;
CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN
	INSERT INTO reports_fts (rowid, business_name) VALUES (new.id, new.business_name);
END;
CREATE TRIGGER reports_fts_update AFTER UPDATE OF business_name ON reports BEGIN
	INSERT INTO reports_fts (reports_fts, rowid, business_name) VALUES ('delete', old.id, old.business_name);
	INSERT INTO reports_fts (rowid, business_name) VALUES (new.id, new.business_name);
END;

-- Possible duplicates found at intake: the new report and the earlier one it resembles.
CREATE TABLE report_duplicates (
	report_id    INTEGER NOT NULL REFERENCES reports (id),
	candidate_id INTEGER NOT NULL REFERENCES reports (id),
	reason       TEXT NOT NULL CHECK (reason IN ('business_number', 'phone_name')),
	PRIMARY KEY (report_id, candidate_id)
) WITHOUT ROWID;
CREATE INDEX report_duplicates_candidate ON report_duplicates (candidate_id);

-- Reports per incident and status, kept by the writer in the same transaction as each change,
-- so that the queue's counts cost nothing at any size.
CREATE TABLE report_counts (
	incident_id TEXT NOT NULL,
	status      TEXT NOT NULL,
	n           INTEGER NOT NULL,
	PRIMARY KEY (incident_id, status)
) WITHOUT ROWID;
INSERT INTO report_counts (incident_id, status, n) SELECT incident_id, status, count(*) FROM reports GROUP BY 1, 2;

-- The audit trail: append-only, each entry's hash an HMAC (with a key kept outside the
-- database) over its content and the previous entry's hash. Every column but hash is covered.
CREATE TABLE audit_log (
	id        INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	report_id INTEGER,
	receipt   TEXT NOT NULL DEFAULT '',
	detail    TEXT NOT NULL, -- JSON
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE INDEX audit_log_report ON audit_log (report_id, id) WHERE report_id IS NOT NULL;

-- Batch imports, with the per-row result a partner downloads.
CREATE TABLE imports (
	id         INTEGER PRIMARY KEY,
	at         TEXT NOT NULL,
	actor      TEXT NOT NULL,
	file_name  TEXT NOT NULL,
	file_hash  TEXT NOT NULL,
	rows       INTEGER NOT NULL,
	imported   INTEGER NOT NULL, -- new reports
	existing   INTEGER NOT NULL, -- rows imported before (same content)
	failed     INTEGER NOT NULL,
	result_csv BLOB NOT NULL
);
