-- Compensation: policies as versioned documents, payout runs with one immutable row per report,
-- the merchants' answers to their offers, and the evidence files sent with a contest.
CREATE TABLE policies (
	id         TEXT NOT NULL,
	version    INTEGER NOT NULL CHECK (version >= 1),
	hash       TEXT NOT NULL, -- sha256 of the document without version and hash
	document   TEXT NOT NULL, -- the policy, JSON
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (id, version)
);
CREATE TRIGGER policies_immutable BEFORE UPDATE ON policies
BEGIN SELECT RAISE(ABORT, 'a stored policy version cannot change: add a new version'); END;
CREATE TRIGGER policies_kept BEFORE DELETE ON policies
BEGIN SELECT RAISE(ABORT, 'a stored policy version cannot be deleted'); END;

CREATE TABLE payout_runs (
	id             INTEGER PRIMARY KEY,
	incident_id    TEXT NOT NULL REFERENCES incidents (id),
	policy_id      TEXT NOT NULL,
	policy_version INTEGER NOT NULL,
	policy_hash    TEXT NOT NULL,
	rapid_offer    INTEGER NOT NULL,
	appeal_days    INTEGER NOT NULL,
	state          TEXT NOT NULL CHECK (state IN ('computing', 'pending', 'released')),
	summary        TEXT NOT NULL, -- the run's totals, JSON
	created_by     TEXT NOT NULL, -- Actor.Key()
	created_name   TEXT NOT NULL, -- Actor.String()
	created_at     TEXT NOT NULL,
	released_by    TEXT NOT NULL DEFAULT '',
	released_at    TEXT NOT NULL DEFAULT '',
	FOREIGN KEY (policy_id, policy_version) REFERENCES policies (id, version)
);
CREATE INDEX payout_runs_incident ON payout_runs (incident_id, state, id);
-- A run only moves forward, and a released run does not change at all.
CREATE TRIGGER payout_runs_forward BEFORE UPDATE ON payout_runs
WHEN OLD.state = 'released'
  OR NOT (OLD.state = 'computing' AND NEW.state = 'pending' OR OLD.state = 'pending' AND NEW.state = 'released')
  OR NEW.id != OLD.id OR NEW.incident_id != OLD.incident_id OR NEW.policy_id != OLD.policy_id
  OR NEW.policy_version != OLD.policy_version OR NEW.policy_hash != OLD.policy_hash OR NEW.created_by != OLD.created_by
BEGIN SELECT RAISE(ABORT, 'a payout run only moves from computing to pending to released'); END;
CREATE TRIGGER payout_runs_kept BEFORE DELETE ON payout_runs
BEGIN SELECT RAISE(ABORT, 'a payout run cannot be deleted'); END;

CREATE TABLE payouts (
	run_id         INTEGER NOT NULL REFERENCES payout_runs (id),
	report_id      INTEGER NOT NULL REFERENCES reports (id),
	outcome        TEXT NOT NULL CHECK (outcome IN ('amount', 'review', 'ineligible')),
	computed       INTEGER NOT NULL,
	amount         INTEGER NOT NULL CHECK (amount >= 0),
	days           INTEGER NOT NULL,
	hours          REAL NOT NULL,
	service        TEXT NOT NULL,
	explanation_ko TEXT NOT NULL,
	explanation_en TEXT NOT NULL,
	paid_at        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (run_id, report_id)
) WITHOUT ROWID;
CREATE INDEX payouts_report ON payouts (report_id, run_id);
CREATE TRIGGER payouts_written_while_computing BEFORE INSERT ON payouts
WHEN (SELECT state FROM payout_runs WHERE id = NEW.run_id) IS NOT 'computing'
BEGIN SELECT RAISE(ABORT, 'payouts are written only while their run is computed'); END;
-- The one change a payout allows: being marked paid, once, in a released run.
CREATE TRIGGER payouts_immutable BEFORE UPDATE ON payouts
WHEN NEW.run_id != OLD.run_id OR NEW.report_id != OLD.report_id OR NEW.outcome != OLD.outcome
  OR NEW.computed != OLD.computed OR NEW.amount != OLD.amount OR NEW.days != OLD.days OR NEW.hours != OLD.hours
  OR NEW.service != OLD.service OR NEW.explanation_ko != OLD.explanation_ko OR NEW.explanation_en != OLD.explanation_en
  OR OLD.paid_at != ''
  OR (SELECT state FROM payout_runs WHERE id = OLD.run_id) != 'released'
BEGIN SELECT RAISE(ABORT, 'a payout cannot change once computed'); END;
CREATE TRIGGER payouts_kept BEFORE DELETE ON payouts
BEGIN SELECT RAISE(ABORT, 'a payout cannot be deleted'); END;

CREATE TABLE offer_responses (
	report_id      INTEGER NOT NULL REFERENCES reports (id),
	run_id         INTEGER NOT NULL REFERENCES payout_runs (id),
	accepted       INTEGER NOT NULL,
	bank           TEXT NOT NULL,
	account_number TEXT NOT NULL,
	account_holder TEXT NOT NULL,
	message        TEXT NOT NULL,
	at             TEXT NOT NULL,
	PRIMARY KEY (report_id, run_id)
) WITHOUT ROWID;

CREATE TABLE evidence (
	id           INTEGER PRIMARY KEY,
	report_id    INTEGER NOT NULL REFERENCES reports (id),
	run_id       INTEGER NOT NULL REFERENCES payout_runs (id),
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	data         BLOB NOT NULL,
	at           TEXT NOT NULL
);
CREATE INDEX evidence_report ON evidence (report_id);
