CREATE TABLE "session_expiry_seconds" (
	"bucket" timestamp with time zone NOT NULL,
	"slot" smallint NOT NULL,
	"sessions" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "session_expiry_seconds_bucket_slot_pk" PRIMARY KEY("bucket","slot")
);
--> statement-breakpoint
CREATE TABLE "user_expiry_seconds" (
	"bucket" timestamp with time zone NOT NULL,
	"slot" smallint NOT NULL,
	"users" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "user_expiry_seconds_bucket_slot_pk" PRIMARY KEY("bucket","slot")
);
--> statement-breakpoint
-- From here on the trigger functions pass deltas by expiry second; this function files each
-- delta under its second and under its minute. Rows are written in bucket order, so concurrent
-- writers lock them in the same order and cannot deadlock on them.
CREATE OR REPLACE FUNCTION session_counts_apply(
	p_total bigint,
	p_revoked bigint,
	p_buckets timestamptz[],
	p_deltas bigint[],
	p_users uuid[]
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_total <> 0 OR p_revoked <> 0 THEN
		INSERT INTO session_counters AS c (slot, total, revoked)
		VALUES (floor(random() * 4)::smallint, p_total, p_revoked)
		ON CONFLICT (slot) DO UPDATE SET total = c.total + excluded.total, revoked = c.revoked + excluded.revoked;
	END IF;

	IF p_buckets IS NOT NULL THEN
		INSERT INTO session_expiry_buckets AS b (bucket, slot, sessions)
		SELECT date_trunc('minute', x.bucket), floor(random() * 4)::smallint, sum(x.delta)::bigint
		FROM unnest(p_buckets, p_deltas) AS x(bucket, delta)
		GROUP BY 1 HAVING sum(x.delta) <> 0
		ORDER BY 1
		ON CONFLICT (bucket, slot) DO UPDATE SET sessions = b.sessions + excluded.sessions;

		INSERT INTO session_expiry_seconds AS b (bucket, slot, sessions)
		SELECT x.bucket, floor(random() * 4)::smallint, x.delta
		FROM unnest(p_buckets, p_deltas) AS x(bucket, delta)
		WHERE x.delta <> 0
		ORDER BY x.bucket
		ON CONFLICT (bucket, slot) DO UPDATE SET sessions = b.sessions + excluded.sessions;
	END IF;

	IF p_users IS NULL THEN
		RETURN;
	END IF;

	-- One writer per user at a time. The statements below start after the lock, so under READ
	-- COMMITTED they see every earlier writer's committed sessions and the result is exact.
	PERFORM pg_advisory_xact_lock(k)
	FROM (SELECT DISTINCT hashtextextended('session-console:user:' || u::text, 0) AS k FROM unnest(p_users) AS u ORDER BY 1) AS keys;

	WITH affected AS (
		SELECT DISTINCT u AS user_id FROM unnest(p_users) AS u
	), fresh AS (
		SELECT a.user_id, m.max_expires_at
		FROM affected a
		LEFT JOIN (
			SELECT s.user_id, max(s.expires_at) AS max_expires_at
			FROM sessions s
			WHERE s.user_id IN (SELECT user_id FROM affected) AND s.revoked_at IS NULL
			GROUP BY s.user_id
		) m USING (user_id)
	), changes AS (
		SELECT f.user_id, o.max_expires_at AS old_max, f.max_expires_at AS new_max
		FROM fresh f
		LEFT JOIN user_expiry o USING (user_id)
		WHERE o.max_expires_at IS DISTINCT FROM f.max_expires_at
	), upserted AS (
		INSERT INTO user_expiry (user_id, max_expires_at)
		SELECT user_id, new_max FROM changes WHERE new_max IS NOT NULL
		ON CONFLICT (user_id) DO UPDATE SET max_expires_at = excluded.max_expires_at
		RETURNING 1
	), removed AS (
		DELETE FROM user_expiry WHERE user_id IN (SELECT user_id FROM changes WHERE new_max IS NULL)
		RETURNING 1
	), deltas AS (
		SELECT date_trunc('second', old_max) AS bucket, -1 AS n FROM changes WHERE old_max IS NOT NULL
		UNION ALL
		SELECT date_trunc('second', new_max), 1 FROM changes WHERE new_max IS NOT NULL
	), minutes AS (
		INSERT INTO user_expiry_buckets AS ub (bucket, slot, users)
		SELECT date_trunc('minute', bucket), floor(random() * 4)::smallint, sum(n)::bigint
		FROM deltas GROUP BY 1 HAVING sum(n) <> 0 ORDER BY 1
		ON CONFLICT (bucket, slot) DO UPDATE SET users = ub.users + excluded.users
		RETURNING 1
	)
	INSERT INTO user_expiry_seconds AS us (bucket, slot, users)
	SELECT bucket, floor(random() * 4)::smallint, sum(n)::bigint
	FROM deltas GROUP BY 1 HAVING sum(n) <> 0 ORDER BY 1
	ON CONFLICT (bucket, slot) DO UPDATE SET users = us.users + excluded.users;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION session_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_total bigint;
	v_revoked bigint;
	v_buckets timestamptz[];
	v_deltas bigint[];
	v_users uuid[];
BEGIN
	SELECT count(*), count(*) FILTER (WHERE revoked_at IS NOT NULL) INTO v_total, v_revoked FROM new_rows;
	SELECT array_agg(bucket ORDER BY bucket), array_agg(n ORDER BY bucket) INTO v_buckets, v_deltas
	FROM (SELECT date_trunc('second', expires_at) AS bucket, count(*) AS n FROM new_rows WHERE revoked_at IS NULL GROUP BY 1) g;
	SELECT array_agg(DISTINCT user_id) INTO v_users FROM new_rows WHERE revoked_at IS NULL;
	PERFORM session_counts_apply(v_total, v_revoked, v_buckets, v_deltas, v_users);
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION session_counts_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_revoked bigint;
	v_buckets timestamptz[];
	v_deltas bigint[];
	v_users uuid[];
BEGIN
	-- Only rows whose expiry or revocation changed move counts; a redis_synced flip moves nothing.
	SELECT count(*) FILTER (WHERE n.revoked_at IS NOT NULL) - count(*) FILTER (WHERE o.revoked_at IS NOT NULL)
	INTO v_revoked
	FROM old_rows o JOIN new_rows n USING (id);

	SELECT array_agg(bucket ORDER BY bucket), array_agg(n ORDER BY bucket) INTO v_buckets, v_deltas
	FROM (
		SELECT bucket, sum(delta)::bigint AS n FROM (
			SELECT date_trunc('second', o.expires_at) AS bucket, -1 AS delta
			FROM old_rows o JOIN new_rows n USING (id)
			WHERE o.revoked_at IS NULL AND (o.expires_at IS DISTINCT FROM n.expires_at OR n.revoked_at IS NOT NULL)
			UNION ALL
			SELECT date_trunc('second', n.expires_at), 1
			FROM old_rows o JOIN new_rows n USING (id)
			WHERE n.revoked_at IS NULL AND (o.expires_at IS DISTINCT FROM n.expires_at OR o.revoked_at IS NOT NULL)
		) d GROUP BY bucket HAVING sum(delta) <> 0
	) g;

	SELECT array_agg(DISTINCT n.user_id) INTO v_users
	FROM old_rows o JOIN new_rows n USING (id)
	WHERE o.expires_at IS DISTINCT FROM n.expires_at OR (o.revoked_at IS NULL) <> (n.revoked_at IS NULL);

	PERFORM session_counts_apply(0, v_revoked, v_buckets, v_deltas, v_users);
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION session_counts_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_total bigint;
	v_revoked bigint;
	v_buckets timestamptz[];
	v_deltas bigint[];
	v_users uuid[];
BEGIN
	SELECT -count(*), -count(*) FILTER (WHERE revoked_at IS NOT NULL) INTO v_total, v_revoked FROM old_rows;
	SELECT array_agg(bucket ORDER BY bucket), array_agg(n ORDER BY bucket) INTO v_buckets, v_deltas
	FROM (SELECT date_trunc('second', expires_at) AS bucket, -count(*) AS n FROM old_rows WHERE revoked_at IS NULL GROUP BY 1) g;
	SELECT array_agg(DISTINCT user_id) INTO v_users FROM old_rows WHERE revoked_at IS NULL;
	PERFORM session_counts_apply(v_total, v_revoked, v_buckets, v_deltas, v_users);
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION session_counts_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	LOCK TABLE sessions IN SHARE MODE;
	DELETE FROM session_counters;
	DELETE FROM session_expiry_buckets;
	DELETE FROM session_expiry_seconds;
	DELETE FROM user_expiry;
	DELETE FROM user_expiry_buckets;
	DELETE FROM user_expiry_seconds;
	INSERT INTO session_counters (slot, total, revoked)
	SELECT 0, count(*), count(*) FILTER (WHERE revoked_at IS NOT NULL) FROM sessions;
	INSERT INTO session_expiry_buckets (bucket, slot, sessions)
	SELECT date_trunc('minute', expires_at), 0, count(*) FROM sessions WHERE revoked_at IS NULL GROUP BY 1;
	INSERT INTO session_expiry_seconds (bucket, slot, sessions)
	SELECT date_trunc('second', expires_at), 0, count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > now() GROUP BY 1;
	INSERT INTO user_expiry (user_id, max_expires_at)
	SELECT user_id, max(expires_at) FROM sessions WHERE revoked_at IS NULL GROUP BY user_id;
	INSERT INTO user_expiry_buckets (bucket, slot, users)
	SELECT date_trunc('minute', max_expires_at), 0, count(*) FROM user_expiry GROUP BY 1;
	INSERT INTO user_expiry_seconds (bucket, slot, users)
	SELECT date_trunc('second', max_expires_at), 0, count(*) FROM user_expiry WHERE max_expires_at > now() GROUP BY 1;
END
$$;
--> statement-breakpoint
SELECT session_counts_rebuild();
