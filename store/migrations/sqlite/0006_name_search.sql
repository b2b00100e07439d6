-- SQLite searches business names through its FTS5 trigram index (0002); this step exists so that
-- both dialects have the same migrations. It changes nothing.
DROP INDEX IF EXISTS reports_business_name_trgm;
