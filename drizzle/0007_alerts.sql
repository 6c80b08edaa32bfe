CREATE TABLE "alert_deliveries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"kind" text NOT NULL,
	"rule_id" text,
	"transition_id" uuid,
	"destination" text NOT NULL,
	"format" text NOT NULL,
	"status" text NOT NULL,
	"attempts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"last_error" text,
	"completed_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "alert_evaluations" (
	"interval_start" timestamp with time zone PRIMARY KEY NOT NULL,
	"evaluated_at" timestamp (3) with time zone NOT NULL,
	"transitions" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_rule_states" (
	"rule_id" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"changed_at" timestamp (3) with time zone NOT NULL,
	"pending_since" timestamp (3) with time zone,
	"value" double precision,
	"summary" text,
	"firing_transition_id" uuid,
	"firing_notified" boolean DEFAULT false NOT NULL,
	"last_notified_at" timestamp (3) with time zone,
	"previous_reading" double precision,
	"evaluated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"enabled" boolean NOT NULL,
	"threshold" double precision,
	"duration_seconds" integer NOT NULL,
	"window_seconds" integer,
	"cooldown_seconds" integer NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_by" text
);
--> statement-breakpoint
CREATE TABLE "alert_transitions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"rule_id" text NOT NULL,
	"from_state" text NOT NULL,
	"to_state" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"value" double precision,
	"threshold" double precision,
	"summary" text NOT NULL,
	"notified" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "failed_sign_ins_minutely" (
	"minute" timestamp with time zone PRIMARY KEY NOT NULL,
	"failures" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "alert_deliveries_created_at_idx" ON "alert_deliveries" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "alert_transitions_at_idx" ON "alert_transitions" USING btree ("at" DESC NULLS LAST);