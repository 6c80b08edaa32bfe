-- A trigram index lets the session list's email search ("contains") use an index instead of
-- reading every user. pg_trgm ships with PostgreSQL and is a trusted extension since version 13,
-- so the database owner can create it; where that is refused, the search still works, unindexed.
DO $$
BEGIN
	CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'pg_trgm is not available (%); the email search reads the users table', SQLERRM;
END
$$;
--> statement-breakpoint
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
		EXECUTE 'CREATE INDEX IF NOT EXISTS users_email_trgm_idx ON users USING gin (email gin_trgm_ops)';
	END IF;
END
$$;
