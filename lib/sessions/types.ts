import type { UserRole } from "@/lib/db/schema";

export type StoreKind = "redis" | "database";

/** A session's clock values, all decided by the clock of the store that created or touched it. */
export interface SessionTimes {
  createdAt: Date;
  lastSeenAt: Date;
  absoluteExpiresAt: Date;
  /** min(absoluteExpiresAt, lastSeenAt + idle timeout). */
  expiresAt: Date;
}

export interface NewSession {
  /** Public id (UUID), also the primary key of the PostgreSQL row. */
  id: string;
  tokenHash: string;
  userId: string;
  role: UserRole;
  ip: string | null;
  userAgent: string | null;
  /** ISO 3166-1 alpha-2 code, when known. */
  country?: string | null;
  maxAgeSeconds: number;
  idleTimeoutSeconds: number;
}

export interface ValidatedSession extends SessionTimes {
  tokenHash: string;
  userId: string;
  role: UserRole;
  /** True when this validation slid the idle expiry. */
  touched: boolean;
}

export interface SessionTarget {
  tokenHash: string;
  userId: string;
}

/** Keys and values in the store that are not valid sessions, found by the integrity check. */
export interface StoreAnomalies {
  status: "ok" | "found" | "pending" | "failed" | "disabled";
  /** Session keys whose value cannot be parsed as a session record. */
  unreadable_values: number;
  /** Session keys that hold another Redis type than a string. */
  wrong_type_keys: number;
  /** Session records with no TTL, which Redis would never expire. */
  keys_without_ttl: number;
  /** Index entries, not yet expired, whose record is gone. */
  orphan_index_entries: number;
  /** Session records missing from the expiry index, so not counted. */
  unindexed_records: number;
  /** Keys examined by the last completed check. */
  scanned_keys: number;
  checked_at: string | null;
  error: string | null;
}

export interface SessionCounts {
  /** Session records stored; excludes anything listed in `anomalies`. */
  total: number;
  /** Not expired and not revoked. */
  active: number;
  /** Stored but past expiry (in Redis: until the cleanup removes them). */
  expired: number;
  /** Revoked records still stored; null for Redis, which deletes a session when it is revoked. */
  revoked: number | null;
  activeUsers: number;
  /** The store's clock when it counted. */
  measuredAt: Date;
  anomalies: StoreAnomalies | null;
}

export interface StoreCheck {
  status: "up" | "down" | "not_configured";
  latency_ms: number | null;
  error: string | null;
}

/** What every session store does. The two implementations differ in clock, layout and extras. */
export interface SessionStore {
  readonly kind: StoreKind;
  /** Stores a new session. `times` replays a session created elsewhere; without it the store's clock decides. */
  create(session: NewSession, times?: SessionTimes): Promise<SessionTimes>;
  /** Returns the live session for the token hash and user, sliding its idle expiry; null when not valid. */
  validate(target: SessionTarget, touchIntervalSeconds: number): Promise<ValidatedSession | null>;
  /** Ends a session; true when a live session was ended. */
  revoke(target: SessionTarget, reason: string): Promise<boolean>;
  countSessions(): Promise<SessionCounts>;
  checkHealth(): Promise<StoreCheck>;
}
