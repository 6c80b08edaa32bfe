import "server-only";

import { logger } from "@/lib/logger";
import { describeError } from "@/lib/util/describe-error";

import { StoreUnavailableError, type SessionManager } from "./session-manager";
import type { SessionCounts, StoreAnomalies, StoreKind } from "./types";

/** The body of the statistics route; field names are part of the public contract. */
export interface SessionStatistics {
  total_sessions: number;
  active_sessions: number;
  expired_sessions: number;
  /** Revoked sessions still stored; null when the numbers come from Redis, which deletes them. */
  revoked_sessions: number | null;
  active_users: number;
  session_manager_type: StoreKind;
  data_source: StoreKind;
  fallback_active: boolean;
  /** Why the numbers come from PostgreSQL although Redis is configured; null otherwise. */
  fallback_reason: string | null;
  /** The counting store's clock at the time of counting, ISO 8601. */
  generated_at: string;
  /** Redis only: keys that are not valid sessions and are left out of every count above. */
  store_anomalies: StoreAnomalies | null;
}

function toStatistics(
  counts: SessionCounts,
  manager: SessionManager,
  source: StoreKind,
  fallbackReason: string | null,
): SessionStatistics {
  return {
    total_sessions: counts.total,
    active_sessions: counts.active,
    expired_sessions: counts.expired,
    revoked_sessions: counts.revoked,
    active_users: counts.activeUsers,
    session_manager_type: manager.configured,
    data_source: source,
    fallback_active: manager.configured !== source,
    fallback_reason: fallbackReason,
    generated_at: counts.measuredAt.toISOString(),
    store_anomalies: counts.anomalies,
  };
}

/**
 * Counts sessions in the configured store, or in PostgreSQL when Redis is configured but not
 * answering. Throws StoreUnavailableError when no store can count.
 */
export async function getSessionStatistics(manager: SessionManager): Promise<SessionStatistics> {
  if (manager.configured === "redis") {
    const fromRedis = await manager.tryRedis("count", (store) => store.countSessions());
    if (fromRedis.ok) {
      return toStatistics(fromRedis.value, manager, "redis", null);
    }
  }

  const redisProblem =
    manager.configured === "redis" ? (manager.availability.snapshot().lastError ?? "Redis is not answering") : null;
  try {
    const counts = await manager.database.countSessions();
    return toStatistics(counts, manager, "database", redisProblem);
  } catch (error) {
    logger.error("could not count sessions in PostgreSQL", { error: describeError(error) });
    const databaseProblem = `PostgreSQL: ${describeError(error)}`;
    throw new StoreUnavailableError(
      redisProblem ? `Redis: ${redisProblem}; ${databaseProblem}` : databaseProblem,
    );
  }
}
