import "server-only";

import { logger } from "@/lib/logger";
import { recordStoreLatency } from "@/lib/metrics/store-latency";
import { processSingleton } from "@/lib/process-singleton";
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
  /** The reason the numbers come from PostgreSQL although Redis is configured; null otherwise. */
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

// Dashboards poll; however many of them there are, each process counts at most once per second.
export const STATISTICS_MAX_AGE_MS = 1000;

interface CachedStatistics {
  value: SessionStatistics | null;
  countedAt: number;
  pending: Promise<SessionStatistics> | null;
}

// On globalThis: Next.js bundles routes and pages separately, and they must share one cache.
const statisticsCaches = () => processSingleton("statistics-caches", () => new WeakMap<SessionManager, CachedStatistics>());

/**
 * Returns the session statistics, at most STATISTICS_MAX_AGE_MS old. Concurrent callers share
 * one count (single flight), and a count younger than the limit is reused, so the stores see at
 * most one count per second per process. Throws StoreUnavailableError when no store can count.
 */
export async function getSessionStatistics(manager: SessionManager): Promise<SessionStatistics> {
  const caches = statisticsCaches();
  let cache = caches.get(manager);
  if (!cache) {
    cache = { value: null, countedAt: 0, pending: null };
    caches.set(manager, cache);
  }

  if (cache.value && Date.now() - cache.countedAt < STATISTICS_MAX_AGE_MS) {
    return cache.value;
  }

  const state = cache;
  state.pending ??= countSessionStatistics(manager)
    .then((value) => {
      state.value = value;
      state.countedAt = Date.now();
      return value;
    })
    .finally(() => {
      state.pending = null;
    });
  return state.pending;
}

/** Drops the cached count, so that the next request counts again: for changes an admin waits to see. */
export function forgetSessionStatistics(manager: SessionManager): void {
  const cache = statisticsCaches().get(manager);
  if (cache) cache.value = null;
}

/** Counts sessions in the configured store, or in PostgreSQL when Redis is configured but not responding. */
export async function countSessionStatistics(manager: SessionManager): Promise<SessionStatistics> {
  const startedAt = performance.now();
  const statistics = await countInStores(manager);
  recordStoreLatency("count", statistics.data_source, performance.now() - startedAt);
  return statistics;
}

async function countInStores(manager: SessionManager): Promise<SessionStatistics> {
  if (manager.configured === "redis") {
    const fromRedis = await manager.tryRedis("count", (store) => store.countSessions());
    if (fromRedis.ok) {
      return toStatistics(fromRedis.value, manager, "redis", null);
    }
  }

  const redisProblem =
    manager.configured === "redis" ? (manager.availability.snapshot().lastError ?? "Redis is not responding") : null;
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
