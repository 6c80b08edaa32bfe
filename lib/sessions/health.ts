import "server-only";

import { describeError } from "@/lib/util/describe-error";
import { withTimeout } from "@/lib/util/timeout";

import type { SessionManager } from "./session-manager";
import type { StoreCheck, StoreKind } from "./types";

/** The body of the status route; field names are part of the public contract. */
export interface SessionHealth {
  status: "healthy" | "degraded" | "unhealthy";
  session_manager_type: StoreKind;
  checks: { redis: StoreCheck; database: StoreCheck };
  fallback_active: boolean;
  checked_at: string;
}

// Both checks run in parallel, so the status answers within the larger of the two budgets.
const redisCheckTimeoutMs = 1000;
const databaseCheckTimeoutMs = 1500;

async function runCheck(check: () => Promise<StoreCheck>, timeoutMs: number, name: string): Promise<StoreCheck> {
  try {
    return await withTimeout(check(), timeoutMs, `${name} check`);
  } catch (error) {
    return { status: "down", latency_ms: null, error: describeError(error) };
  }
}

async function checkRedis(manager: SessionManager): Promise<StoreCheck> {
  const store = manager.redisStore;
  if (!store) {
    return { status: "not_configured", latency_ms: null, error: null };
  }

  const check = await runCheck(() => store.checkHealth(), redisCheckTimeoutMs, "redis");
  if (check.status === "down") {
    manager.availability.reportFailure(new Error(check.error ?? "redis check failed"));
  } else if (manager.availability.snapshot().state === "down") {
    // Redis answers again: probe and replay now rather than on the next session request, and
    // report the result if it finishes within the budget.
    await withTimeout(manager.availability.isUsable(), redisCheckTimeoutMs, "redis recovery").catch(() => false);
  }
  return check;
}

function overallStatus(configured: StoreKind, redis: StoreCheck, database: StoreCheck): SessionHealth["status"] {
  if (configured === "database") {
    return database.status === "up" ? "healthy" : "unhealthy";
  }
  if (redis.status === "up" && database.status === "up") return "healthy";
  if (redis.status === "up" || database.status === "up") return "degraded";
  return "unhealthy";
}

/** Checks both stores in parallel, each within a fixed budget, and rates the whole. */
export async function getSessionHealth(manager: SessionManager): Promise<SessionHealth> {
  const [redis, database] = await Promise.all([
    checkRedis(manager),
    runCheck(() => manager.database.checkHealth(), databaseCheckTimeoutMs, "database"),
  ]);

  const redisInUse = manager.configured === "redis" && redis.status === "up" && manager.availability.snapshot().state === "up";
  return {
    status: overallStatus(manager.configured, redis, database),
    session_manager_type: manager.configured,
    checks: { redis, database },
    fallback_active: manager.configured === "redis" && !redisInUse,
    checked_at: new Date().toISOString(),
  };
}
