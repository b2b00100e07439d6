-- Written once for both databases (see store/migrate.go, pgTypes).
-- Messages to merchants and partners (see store/outbox.go). How a merchant hears of a report:
-- the channels they chose ('sms;email', '' for every contact given), the language, and
-- whether they want only what their claim needs.
ALTER TABLE reports ADD COLUMN notify TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN fewer_messages BOOLEAN NOT NULL DEFAULT FALSE;

-- Partners' subscriptions. A subscription that has failed for a day is disabled.
CREATE TABLE webhooks (
	id            INTEGER PRIMARY KEY,
	url           TEXT NOT NULL,
	events        TEXT NOT NULL,               -- 'report.created;report.status_changed'
	secret        TEXT NOT NULL,               -- whsec_..., for the signatures
	created_by    TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	failing_since TEXT,                        -- the first failure since the last success
	disabled_at   TEXT
);

-- The outbox: a message is written in the transaction of the event it tells of, and delivered
-- by the worker. A claim moves next_at past the lease and counts an attempt; the attempt
-- count fences the result (a worker whose lease ran out records nothing).
CREATE TABLE messages (
	id         INTEGER PRIMARY KEY,
	key        TEXT NOT NULL,                  -- what the channel sees: its idempotency key (128 random bits: not indexed)
	report_id  INTEGER REFERENCES reports (id),
	webhook_id INTEGER REFERENCES webhooks (id),
	event      TEXT NOT NULL,
	channel    TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'webhook')),
	recipient  TEXT NOT NULL,
	subject    TEXT NOT NULL DEFAULT '',
	body       TEXT NOT NULL,
	status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_at    TEXT NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	answer     TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	sent_at    TEXT
);
CREATE INDEX messages_due ON messages (next_at) WHERE status = 'pending';
CREATE INDEX messages_report ON messages (report_id) WHERE report_id IS NOT NULL;
CREATE INDEX messages_webhook ON messages (webhook_id, id) WHERE webhook_id IS NOT NULL;
