-- Demo data (claimdesk demo) is marked, so that it can be told apart and removed.
ALTER TABLE reports ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
