-- The money path (see store/payout.go): a ledger with at most one payment per report, payment
-- files as frozen batches, individual awards for reports a policy referred to review, API
-- tokens that belong to a person, and four eyes the database itself keeps.

-- A token of a person acts as that person, with their role; a token without one is a service
-- token, which may never move money.
ALTER TABLE api_tokens ADD COLUMN user_id INTEGER REFERENCES users (id);

-- Who released a run, as Actor.Key(): never who adopted it.
ALTER TABLE payout_runs ADD COLUMN released_key TEXT NOT NULL DEFAULT '';
CREATE TRIGGER payout_runs_four_eyes BEFORE UPDATE ON payout_runs
WHEN NEW.state = 'released' AND OLD.state != 'released' AND (NEW.released_key = '' OR NEW.released_key = OLD.created_by)
BEGIN SELECT RAISE(ABORT, 'a run is released by someone other than who adopted it'); END;

-- An amount set for one report by a reviewer, approved by another person.
CREATE TABLE awards (
	id            INTEGER PRIMARY KEY,
	report_id     INTEGER NOT NULL REFERENCES reports (id),
	run_id        INTEGER NOT NULL REFERENCES payout_runs (id), -- the released run that referred the report
	amount        INTEGER NOT NULL CHECK (amount > 0),
	reason        TEXT NOT NULL,
	state         TEXT NOT NULL CHECK (state IN ('proposed', 'approved', 'declined')),
	proposed_by   TEXT NOT NULL, -- Actor.Key()
	proposed_name TEXT NOT NULL, -- Actor.String()
	proposed_at   TEXT NOT NULL,
	decided_by    TEXT NOT NULL DEFAULT '',
	decided_name  TEXT NOT NULL DEFAULT '',
	decided_at    TEXT NOT NULL DEFAULT '',
	note          TEXT NOT NULL DEFAULT '', -- why it was declined
	CHECK (state = 'proposed' OR decided_by != ''),
	CHECK (state != 'approved' OR decided_by != proposed_by)
);
CREATE INDEX awards_report ON awards (report_id, id);
CREATE UNIQUE INDEX awards_one_open ON awards (report_id) WHERE state = 'proposed';
CREATE TRIGGER awards_decided_once BEFORE UPDATE ON awards
WHEN OLD.state != 'proposed' OR NEW.state = 'proposed' OR NEW.id != OLD.id OR NEW.report_id != OLD.report_id
  OR NEW.run_id != OLD.run_id OR NEW.amount != OLD.amount OR NEW.reason != OLD.reason OR NEW.proposed_by != OLD.proposed_by
BEGIN SELECT RAISE(ABORT, 'an award is approved or declined once, and its amount does not change'); END;
CREATE TRIGGER awards_kept BEFORE DELETE ON awards
BEGIN SELECT RAISE(ABORT, 'an award cannot be deleted'); END;

-- The merchants' answers, each to one offer: a run's payout, or an award (award_id). They get an
-- ID, so that payments and evidence can point at the answer they belong to, and keep the amount
-- that was answered.
ALTER TABLE offer_responses RENAME TO offer_responses_0005;
CREATE TABLE offer_responses (
	id             INTEGER PRIMARY KEY,
	report_id      INTEGER NOT NULL REFERENCES reports (id),
	run_id         INTEGER NOT NULL REFERENCES payout_runs (id),
	award_id       INTEGER REFERENCES awards (id),
	amount         INTEGER NOT NULL, -- what was offered
	accepted       INTEGER NOT NULL,
	bank           TEXT NOT NULL,
	account_number TEXT NOT NULL,
	account_holder TEXT NOT NULL,
	message        TEXT NOT NULL,
	at             TEXT NOT NULL
);
INSERT INTO offer_responses (report_id, run_id, amount, accepted, bank, account_number, account_holder, message, at)
SELECT o.report_id, o.run_id, coalesce(p.amount, 0), o.accepted, o.bank, o.account_number, o.account_holder, o.message, o.at
FROM offer_responses_0005 o LEFT JOIN payouts p ON p.run_id = o.run_id AND p.report_id = o.report_id
ORDER BY o.at, o.report_id;
DROP TABLE offer_responses_0005;
CREATE UNIQUE INDEX offer_responses_once ON offer_responses (report_id, run_id, coalesce(award_id, 0));
CREATE INDEX offer_responses_report ON offer_responses (report_id, id);

ALTER TABLE evidence ADD COLUMN response_id INTEGER REFERENCES offer_responses (id);
UPDATE evidence SET response_id = (SELECT o.id FROM offer_responses o
	WHERE o.report_id = evidence.report_id AND o.run_id = evidence.run_id AND o.award_id IS NULL);

-- Payment files: each a frozen batch of payments, sent to the bank once and marked paid as a
-- whole.
CREATE TABLE payment_files (
	id           INTEGER PRIMARY KEY,
	run_id       INTEGER NOT NULL REFERENCES payout_runs (id),
	rows         INTEGER NOT NULL,
	total        INTEGER NOT NULL,
	created_by   TEXT NOT NULL,
	created_name TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	paid_by      TEXT NOT NULL DEFAULT '',
	paid_at      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX payment_files_run ON payment_files (run_id, id);

-- The ledger: what is owed to whom. A report has at most one payment of an accepted offer,
-- ever; a later run that gives it more adds a top-up of the difference, once per run.
CREATE TABLE payments (
	id          INTEGER PRIMARY KEY,
	report_id   INTEGER NOT NULL REFERENCES reports (id),
	response_id INTEGER NOT NULL REFERENCES offer_responses (id), -- the acceptance, with the bank details
	run_id      INTEGER NOT NULL REFERENCES payout_runs (id),     -- the run whose payment files hold it
	kind        TEXT NOT NULL CHECK (kind IN ('offer', 'top_up')),
	amount      INTEGER NOT NULL CHECK (amount > 0),
	created_at  TEXT NOT NULL,
	file_id     INTEGER REFERENCES payment_files (id) -- the one payment file it was exported in
);
CREATE UNIQUE INDEX payments_one_per_report ON payments (report_id) WHERE kind = 'offer';
CREATE UNIQUE INDEX payments_top_up_once ON payments (report_id, run_id) WHERE kind = 'top_up';
CREATE INDEX payments_run ON payments (run_id, file_id);
CREATE INDEX payments_file ON payments (file_id) WHERE file_id IS NOT NULL;

-- What was accepted before this version: the first acceptance of each report, and, where its
-- payout was marked paid, a payment file per run standing for the payments made.
INSERT INTO payments (report_id, response_id, run_id, kind, amount, created_at)
SELECT o.report_id, o.id, o.run_id, 'offer', o.amount, o.at FROM offer_responses o
WHERE o.accepted AND o.amount > 0
  AND o.id = (SELECT min(id) FROM offer_responses WHERE report_id = o.report_id AND accepted AND amount > 0);
INSERT INTO payment_files (run_id, rows, total, created_by, created_name, created_at, paid_by, paid_at)
SELECT p.run_id, count(*), sum(p.amount), 'migration', 'migration 0007', max(pp.paid_at), 'migration', max(pp.paid_at)
FROM payments p JOIN payouts pp ON pp.run_id = p.run_id AND pp.report_id = p.report_id
WHERE pp.paid_at != '' GROUP BY p.run_id;
UPDATE payments SET file_id = (SELECT f.id FROM payment_files f WHERE f.run_id = payments.run_id)
WHERE EXISTS (SELECT 1 FROM payouts pp WHERE pp.run_id = payments.run_id AND pp.report_id = payments.report_id AND pp.paid_at != '');

-- The database refuses a payment that does not match what was accepted or decided: an offer's
-- payment is exactly the amount accepted; a top-up brings the report's total to exactly what a
-- run gives it.
CREATE TRIGGER payments_offer_amount BEFORE INSERT ON payments
WHEN NEW.kind = 'offer' AND NEW.amount IS NOT (SELECT amount FROM offer_responses
	WHERE id = NEW.response_id AND report_id = NEW.report_id AND accepted)
BEGIN SELECT RAISE(ABORT, 'a payment is the amount of an accepted offer'); END;
CREATE TRIGGER payments_top_up_amount BEFORE INSERT ON payments
WHEN NEW.kind = 'top_up' AND (
	NOT EXISTS (SELECT 1 FROM payments WHERE report_id = NEW.report_id AND kind = 'offer' AND response_id = NEW.response_id)
	OR NEW.amount + (SELECT coalesce(sum(amount), 0) FROM payments WHERE report_id = NEW.report_id)
	   IS NOT (SELECT p.amount FROM payouts p JOIN payout_runs r ON r.id = p.run_id
	           WHERE p.run_id = NEW.run_id AND p.report_id = NEW.report_id AND p.outcome = 'amount' AND r.state = 'released'))
BEGIN SELECT RAISE(ABORT, 'a top-up brings a paid report to what a released run gives it'); END;
CREATE TRIGGER payments_exported_once BEFORE UPDATE ON payments
WHEN OLD.file_id IS NOT NULL OR NEW.id != OLD.id OR NEW.report_id != OLD.report_id OR NEW.response_id != OLD.response_id
  OR NEW.run_id != OLD.run_id OR NEW.kind != OLD.kind OR NEW.amount != OLD.amount OR NEW.created_at != OLD.created_at
BEGIN SELECT RAISE(ABORT, 'a payment is exported in one payment file, and does not change otherwise'); END;
CREATE TRIGGER payments_kept BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'a payment cannot be deleted'); END;
CREATE TRIGGER payment_files_paid_once BEFORE UPDATE ON payment_files
WHEN OLD.paid_at != '' OR NEW.paid_at = '' OR NEW.id != OLD.id OR NEW.run_id != OLD.run_id OR NEW.rows != OLD.rows
  OR NEW.total != OLD.total OR NEW.created_by != OLD.created_by
BEGIN SELECT RAISE(ABORT, 'a payment file is marked paid once, and does not change otherwise'); END;
CREATE TRIGGER payment_files_kept BEFORE DELETE ON payment_files
BEGIN SELECT RAISE(ABORT, 'a payment file cannot be deleted'); END;

-- Rows that decide money and were written before their changes were audited with their state
-- get one baseline entry at the next start (see DB.auditBaseline).
INSERT INTO progress (name, value) VALUES ('audit_baseline', 0);
