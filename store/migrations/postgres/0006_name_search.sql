-- Business-name search (ILIKE '%…%') with a trigram index when the pg_trgm extension can be
-- had. Creating it needs a privilege a managed database may not give; without it the search
-- still works, scanning the incident's reports.
DO $$
BEGIN
	CREATE EXTENSION IF NOT EXISTS pg_trgm;
	CREATE INDEX reports_business_name_trgm ON reports USING gin (business_name gin_trgm_ops);
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
	RAISE NOTICE 'pg_trgm is not available (%): business-name search will scan', SQLERRM;
END $$;
