-- Incidents change while an outage goes on: every change is kept as a version, with who made it
-- and when, and a payout run records the version whose windows it computed with.
ALTER TABLE incidents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE incident_versions (
	incident_id TEXT NOT NULL REFERENCES incidents (id),
	version     INTEGER NOT NULL,
	doc         TEXT NOT NULL, -- the claimdesk.Incident as JSON, as it was
	changes     TEXT NOT NULL, -- what changed from the version before, JSON (claimdesk.IncidentChange)
	origin      TEXT NOT NULL, -- 'file' for a data file, else 'edit'
	actor       TEXT NOT NULL, -- Actor.String()
	at          TEXT NOT NULL,
	PRIMARY KEY (incident_id, version)
) WITHOUT ROWID;

ALTER TABLE payout_runs ADD COLUMN incident_version INTEGER NOT NULL DEFAULT 0;
