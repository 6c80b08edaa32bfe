import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  inet,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const userRoles = ["admin", "user"] as const;
export type UserRole = (typeof userRoles)[number];

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // Stored lower-cased so that sign-in is case-insensitive and the unique index holds.
    email: text("email").notNull(),
    name: text("name"),
    role: text("role", { enum: userRoles }).notNull().default("user"),
    passwordHash: text("password_hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("users_email_key").on(table.email),
    index("users_role_idx").on(table.role),
    check("users_role_check", sql`${table.role} in ('admin', 'user')`),
  ],
);

export type User = typeof users.$inferSelect;

/**
 * Every session ever created, in either store. In Redis mode this table is the backup copy and
 * the store of record for listings; in database mode it is the session store itself.
 */
// Session times have millisecond precision, like Redis scores and JavaScript dates, so a value
// read back compares equal to the stored one.
export const sessions = pgTable(
  "sessions",
  {
    // Public identifier, safe to show and to put in URLs. The secret token is never stored.
    id: uuid("id").primaryKey(),
    // SHA-256 of the secret token, base64url without padding (43 characters).
    tokenHash: text("token_hash").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, precision: 3 }).notNull(),
    absoluteExpiresAt: timestamp("absolute_expires_at", { withTimezone: true, precision: 3 }).notNull(),
    idleTimeoutSeconds: integer("idle_timeout_seconds").notNull(),
    // The earlier of the absolute expiry and last_seen_at + idle timeout; kept current on every
    // touch so that "active" is a single indexed comparison.
    expiresAt: timestamp("expires_at", { withTimezone: true, precision: 3 }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, precision: 3 }),
    revokedReason: text("revoked_reason"),
    ip: inet("ip"),
    userAgent: text("user_agent"),
    // Parsed from the user agent at sign-in, so that the list can filter on them with an index.
    browser: text("browser"),
    os: text("os"),
    deviceType: text("device_type"),
    // ISO 3166-1 alpha-2 code, when the hosting platform or the IP database knows it.
    country: text("country"),
    // False while this row holds a change that Redis has not received yet (written during a
    // Redis outage). The recovery step replays these rows into Redis before Redis is used again.
    redisSynced: boolean("redis_synced").notNull().default(true),
  },
  (table) => [
    uniqueIndex("sessions_token_hash_key").on(table.tokenHash),
    index("sessions_live_expires_at_idx").on(table.expiresAt).where(sql`${table.revokedAt} is null`),
    index("sessions_live_user_expires_at_idx")
      .on(table.userId, table.expiresAt)
      .where(sql`${table.revokedAt} is null`),
    index("sessions_redis_unsynced_idx").on(table.id).where(sql`${table.redisSynced} = false`),
    // The session list is ordered by (created_at, id), newest first. The status, user, browser and
    // OS filters have indexes in that order, so a page reads about `limit` entries; the IP (GiST)
    // and email filters find the matching rows by index and sort them.
    index("sessions_created_at_id_idx").on(table.createdAt.desc(), table.id.desc()),
    index("sessions_live_created_at_id_idx")
      .on(table.createdAt.desc(), table.id.desc())
      .where(sql`${table.revokedAt} is null`),
    index("sessions_revoked_created_at_id_idx")
      .on(table.createdAt.desc(), table.id.desc())
      .where(sql`${table.revokedAt} is not null`),
    index("sessions_user_created_at_id_idx").on(table.userId, table.createdAt.desc(), table.id.desc()),
    index("sessions_browser_created_at_id_idx").on(table.browser, table.createdAt.desc(), table.id.desc()),
    index("sessions_os_created_at_id_idx").on(table.os, table.createdAt.desc(), table.id.desc()),
    // The history derives sign-outs and revocations per minute from revoked_at.
    index("sessions_revoked_at_idx").on(table.revokedAt).where(sql`${table.revokedAt} is not null`),
    // GiST with inet_ops serves "ip <<= network" for the IP and CIDR filter.
    index("sessions_ip_gist_idx").using("gist", table.ip.op("inet_ops")),
  ],
);

export type SessionRow = typeof sessions.$inferSelect;

/*
 * Counters that keep the statistics constant-time, maintained by statement-level triggers on
 * `sessions` (migration 0002). Rows are spread over a few slots so concurrent writers rarely wait
 * on one row; readers sum the slots.
 *
 * active sessions = sum of minute buckets from the next minute on
 *                 + sum of second buckets from the next second to the end of this minute
 *                 + live sessions expiring within the current second (an index range)
 * expired         = total - revoked - active
 * active users    = the same over user_expiry, each user's latest live expiry
 *
 * So a count reads at most one row per minute of session lifetime, sixty per minute, and the
 * sessions of one second, whatever the number of sessions.
 */
export const sessionCounters = pgTable("session_counters", {
  slot: smallint("slot").primaryKey(),
  total: bigint("total", { mode: "number" }).notNull().default(0),
  revoked: bigint("revoked", { mode: "number" }).notNull().default(0),
});

/** Unrevoked sessions by the minute their expiry falls in. Past minutes are pruned. */
export const sessionExpiryBuckets = pgTable(
  "session_expiry_buckets",
  {
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    slot: smallint("slot").notNull(),
    sessions: bigint("sessions", { mode: "number" }).notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.bucket, table.slot] })],
);

/** Unrevoked sessions by the second their expiry falls in. Past seconds are pruned. */
export const sessionExpirySeconds = pgTable(
  "session_expiry_seconds",
  {
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    slot: smallint("slot").notNull(),
    sessions: bigint("sessions", { mode: "number" }).notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.bucket, table.slot] })],
);

/** Each user's latest expiry among their unrevoked sessions. */
export const userExpiry = pgTable(
  "user_expiry",
  {
    userId: uuid("user_id").primaryKey(),
    maxExpiresAt: timestamp("max_expires_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (table) => [index("user_expiry_max_expires_at_idx").on(table.maxExpiresAt)],
);

/** Users by the minute their latest expiry falls in. */
export const userExpiryBuckets = pgTable(
  "user_expiry_buckets",
  {
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    slot: smallint("slot").notNull(),
    users: bigint("users", { mode: "number" }).notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.bucket, table.slot] })],
);

/** Users by the second their latest expiry falls in. */
export const userExpirySeconds = pgTable(
  "user_expiry_seconds",
  {
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    slot: smallint("slot").notNull(),
    users: bigint("users", { mode: "number" }).notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.bucket, table.slot] })],
);

/**
 * Session events per minute, derived from the sessions table once the minute is over: sign-ins
 * by created_at, sign-outs and revocations by revoked_at and its reason, expirations by the
 * expires_at of sessions never revoked. Kept 30 days; the hourly table keeps the rest.
 */
export const sessionEventsMinutely = pgTable("session_events_minutely", {
  minute: timestamp("minute", { withTimezone: true }).primaryKey(),
  signIns: integer("sign_ins").notNull(),
  signOuts: integer("sign_outs").notNull(),
  revocations: integer("revocations").notNull(),
  expirations: integer("expirations").notNull(),
});

/** The active-session count, sampled once a minute; the first sample of a minute wins. */
export const sessionSamplesMinutely = pgTable("session_samples_minutely", {
  minute: timestamp("minute", { withTimezone: true }).primaryKey(),
  activeSessions: integer("active_sessions").notNull(),
  activeUsers: integer("active_users").notNull(),
  sampledAt: timestamp("sampled_at", { withTimezone: true, precision: 3 }).notNull(),
});

/** Hourly totals of the two minute tables, kept after the minute rows are pruned. */
export const sessionHistoryHourly = pgTable("session_history_hourly", {
  hour: timestamp("hour", { withTimezone: true }).primaryKey(),
  signIns: integer("sign_ins").notNull(),
  signOuts: integer("sign_outs").notNull(),
  revocations: integer("revocations").notNull(),
  expirations: integer("expirations").notNull(),
  activeSessionsAvg: integer("active_sessions_avg"),
  activeSessionsMax: integer("active_sessions_max"),
  activeUsersMax: integer("active_users_max"),
});

/** Failed sign-ins per account and per IP in the current window, when Redis cannot count them. */
export const signInFailures = pgTable("sign_in_failures", {
  // "account:<hash of the email>" or "ip:<address>".
  key: text("key").primaryKey(),
  windowStartedAt: timestamp("window_started_at", { withTimezone: true, precision: 3 }).notNull(),
  failures: integer("failures").notNull(),
});

/**
 * Failed sign-ins per minute, counted where a sign-in is rejected, for the failed sign-in alert.
 * Pruned with the alert evaluation after a day.
 */
export const failedSignInsMinutely = pgTable("failed_sign_ins_minutely", {
  minute: timestamp("minute", { withTimezone: true }).primaryKey(),
  failures: integer("failures").notNull(),
});

/**
 * The admin-editable settings of each alert rule. The rules themselves (what they measure, their
 * defaults) are defined in lib/alerts/rule-definitions.ts; a missing row is created from the defaults.
 */
export const alertRules = pgTable("alert_rules", {
  id: text("id").primaryKey(),
  enabled: boolean("enabled").notNull(),
  // Null for rules whose condition is a yes or no (for example "fallback in use").
  threshold: doublePrecision("threshold"),
  // How long the condition must hold before the alert fires; 0 fires at the first evaluation.
  durationSeconds: integer("duration_seconds").notNull(),
  // The window a rule measures over (a drop within Y minutes, countries within a window); null for others.
  windowSeconds: integer("window_seconds"),
  // After a firing message, further firing messages of this rule wait this long.
  cooldownSeconds: integer("cooldown_seconds").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  updatedBy: text("updated_by"),
});

export type AlertRuleRow = typeof alertRules.$inferSelect;

export const alertStates = ["inactive", "pending", "firing", "resolved"] as const;
export type AlertState = (typeof alertStates)[number];

/** The current state of each rule, written by the evaluation that claimed the interval. */
export const alertRuleStates = pgTable("alert_rule_states", {
  ruleId: text("rule_id").primaryKey(),
  state: text("state", { enum: alertStates }).notNull(),
  changedAt: timestamp("changed_at", { withTimezone: true, precision: 3 }).notNull(),
  pendingSince: timestamp("pending_since", { withTimezone: true, precision: 3 }),
  value: doublePrecision("value"),
  summary: text("summary"),
  // The transition that started the current firing, and whether its message was sent (the
  // cooldown may hold it back).
  firingTransitionId: uuid("firing_transition_id"),
  firingNotified: boolean("firing_notified").notNull().default(false),
  lastNotifiedAt: timestamp("last_notified_at", { withTimezone: true, precision: 3 }),
  // The raw reading of the previous evaluation, for rules that measure growth (evicted keys).
  previousReading: doublePrecision("previous_reading"),
  evaluatedAt: timestamp("evaluated_at", { withTimezone: true, precision: 3 }).notNull(),
});

export type AlertRuleStateRow = typeof alertRuleStates.$inferSelect;

/** Every state change of every rule, newest first in the console. Kept 90 days. */
export const alertTransitions = pgTable(
  "alert_transitions",
  {
    id: uuid("id").primaryKey(),
    ruleId: text("rule_id").notNull(),
    fromState: text("from_state", { enum: alertStates }).notNull(),
    toState: text("to_state", { enum: alertStates }).notNull(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    value: doublePrecision("value"),
    threshold: doublePrecision("threshold"),
    summary: text("summary").notNull(),
    // False when the cooldown held the message back, or for changes that send none (pending).
    notified: boolean("notified").notNull(),
  },
  (table) => [index("alert_transitions_at_idx").on(table.at.desc())],
);

export type AlertTransitionRow = typeof alertTransitions.$inferSelect;

export const alertDeliveryStatuses = ["sending", "delivered", "failed"] as const;
export type AlertDeliveryStatus = (typeof alertDeliveryStatuses)[number];

/** One webhook attempt: the HTTP status, or the error when there was no response. */
export interface AlertDeliveryAttempt {
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** Each webhook message and the result of each of its attempts. Kept 90 days. */
export const alertDeliveries = pgTable(
  "alert_deliveries",
  {
    id: uuid("id").primaryKey(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
    kind: text("kind", { enum: ["firing", "resolved", "test"] }).notNull(),
    ruleId: text("rule_id"),
    transitionId: uuid("transition_id"),
    // The webhook URL with its path and query masked, because they often carry the secret.
    destination: text("destination").notNull(),
    format: text("format", { enum: ["generic", "slack"] }).notNull(),
    status: text("status", { enum: alertDeliveryStatuses }).notNull(),
    attempts: jsonb("attempts").$type<AlertDeliveryAttempt[]>().notNull().default([]),
    lastError: text("last_error"),
    completedAt: timestamp("completed_at", { withTimezone: true, precision: 3 }),
  },
  (table) => [index("alert_deliveries_created_at_idx").on(table.createdAt.desc())],
);

export type AlertDeliveryRow = typeof alertDeliveries.$inferSelect;

/**
 * One row per evaluated interval (minute). An evaluation inserts its minute first and goes on only
 * when the insert succeeded, so however many instances run, each minute is evaluated once.
 */
export const alertEvaluations = pgTable("alert_evaluations", {
  intervalStart: timestamp("interval_start", { withTimezone: true }).primaryKey(),
  evaluatedAt: timestamp("evaluated_at", { withTimezone: true, precision: 3 }).notNull(),
  transitions: integer("transitions").notNull(),
});

export const auditActions = [
  "auth.lockout",
  "account.password_change",
  "user.role_change",
  "redis.repair_index",
  "admin.sign_in",
  "admin.sign_out",
  "session.sign_out",
  "user.sign_out_all",
  "sessions.sign_out_others",
  "sessions.sign_out_filter",
  "account.sign_out_session",
  "account.sign_out_others",
  "alert.rule_change",
  "alert.webhook_change",
  "alert.test",
] as const;
export type AuditAction = (typeof auditActions)[number];

/** Who did what to which sessions; written for every sign-out action and every admin sign-in and sign-out. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: uuid("id").primaryKey(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    actorUserId: uuid("actor_user_id").references(() => users.id, { onDelete: "set null" }),
    // Kept as written, so the entry stays readable after the account is deleted or renamed.
    actorEmail: text("actor_email").notNull(),
    action: text("action", { enum: auditActions }).notNull(),
    // Session ids, user ids and the filter the action applied to.
    target: jsonb("target").$type<Record<string, unknown>>().notNull().default({}),
    affectedCount: integer("affected_count").notNull().default(0),
    actorIp: inet("actor_ip"),
  },
  (table) => [
    index("audit_events_created_at_id_idx").on(table.createdAt.desc(), table.id.desc()),
    index("audit_events_action_created_at_id_idx").on(table.action, table.createdAt.desc(), table.id.desc()),
    index("audit_events_actor_created_at_id_idx").on(table.actorEmail, table.createdAt.desc(), table.id.desc()),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;

/** Small server-wide values that must be shared by every instance, such as a generated secret. */
export const appSettings = pgTable("app_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
