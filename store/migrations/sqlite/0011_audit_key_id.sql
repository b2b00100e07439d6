-- Each audit entry names the key its MAC was made with (see store/audit.go): servers that share
-- a PostgreSQL database each keep DATA/audit.key, and verify must tell an entry another
-- server's key wrote from an edited one. Entries from before have no name: the key of the
-- server that verifies.
ALTER TABLE audit_log ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
