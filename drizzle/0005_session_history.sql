CREATE TABLE "session_events_minutely" (
	"minute" timestamp with time zone PRIMARY KEY NOT NULL,
	"sign_ins" integer NOT NULL,
	"sign_outs" integer NOT NULL,
	"revocations" integer NOT NULL,
	"expirations" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_history_hourly" (
	"hour" timestamp with time zone PRIMARY KEY NOT NULL,
	"sign_ins" integer NOT NULL,
	"sign_outs" integer NOT NULL,
	"revocations" integer NOT NULL,
	"expirations" integer NOT NULL,
	"active_sessions_avg" integer,
	"active_sessions_max" integer,
	"active_users_max" integer
);
--> statement-breakpoint
CREATE TABLE "session_samples_minutely" (
	"minute" timestamp with time zone PRIMARY KEY NOT NULL,
	"active_sessions" integer NOT NULL,
	"active_users" integer NOT NULL,
	"sampled_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "sessions_revoked_at_idx" ON "sessions" USING btree ("revoked_at") WHERE "sessions"."revoked_at" is not null;