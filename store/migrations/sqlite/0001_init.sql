-- Incidents are stored whole as JSON (they are small, rarely written and read through a cache);
-- incident_services exists so that the database itself refuses a report naming a service its
-- incident does not have.
CREATE TABLE incidents (
	id          TEXT PRIMARY KEY,
	doc         TEXT NOT NULL,    -- the claimdesk.Incident as JSON
	started_at  TEXT NOT NULL,    -- UTC, fixed-width, so text order is time order
	intake_open INTEGER NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);

CREATE TABLE incident_services (
	incident_id TEXT NOT NULL REFERENCES incidents (id),
	id          TEXT NOT NULL,
	PRIMARY KEY (incident_id, id)
) WITHOUT ROWID;

CREATE TABLE reports (
	id                        INTEGER PRIMARY KEY,
	receipt                   TEXT NOT NULL UNIQUE,
	incident_id               TEXT NOT NULL REFERENCES incidents (id),
	status                    TEXT NOT NULL CHECK (status IN ('received', 'in_review', 'needs_info', 'accepted', 'rejected', 'merged')),
	channel                   TEXT NOT NULL CHECK (channel IN ('web', 'api', 'staff', 'import')),
	business_name             TEXT NOT NULL,
	business_number           TEXT NOT NULL, -- '120-81-47521', or '' with a reason
	no_business_number_reason TEXT NOT NULL,
	representative            TEXT NOT NULL,
	phone                     TEXT NOT NULL, -- normalised, '010-2345-6789'
	email                     TEXT NOT NULL,
	region                    TEXT NOT NULL,
	district                  TEXT NOT NULL,
	industry                  TEXT NOT NULL,
	services                  TEXT NOT NULL, -- ';'-joined as given; report_services indexes them
	damage_types              TEXT NOT NULL, -- ';'-joined
	damage_start              TEXT NOT NULL, -- 'YYYY-MM-DD', KST
	damage_end                TEXT NOT NULL,
	usual_daily_sales         INTEGER CHECK (usual_daily_sales >= 0),
	claimed_loss              INTEGER NOT NULL CHECK (claimed_loss >= 0),
	description               TEXT NOT NULL,
	consent_at                TEXT NOT NULL, -- when the merchant consented (개인정보 수집·이용 동의)
	received_at               TEXT NOT NULL,
	updated_at                TEXT NOT NULL
);
CREATE INDEX reports_incident_received ON reports (incident_id, received_at);
CREATE INDEX reports_incident_business_number ON reports (incident_id, business_number);

CREATE TABLE report_services (
	report_id   INTEGER NOT NULL REFERENCES reports (id),
	incident_id TEXT NOT NULL,
	service_id  TEXT NOT NULL,
	PRIMARY KEY (report_id, service_id),
	FOREIGN KEY (incident_id, service_id) REFERENCES incident_services (incident_id, id)
) WITHOUT ROWID;

-- A retried submission finds its report here by the key it was sent with.
CREATE TABLE idempotency_keys (
	key         TEXT PRIMARY KEY,
	fingerprint TEXT NOT NULL,
	report_id   INTEGER NOT NULL REFERENCES reports (id),
	created_at  TEXT NOT NULL
) WITHOUT ROWID;

-- Server secrets (the key that signs report access tokens), made once per database so that every
-- process serving it agrees.
CREATE TABLE secrets (
	name       TEXT PRIMARY KEY,
	value      BLOB NOT NULL,
	created_at TEXT NOT NULL
);
