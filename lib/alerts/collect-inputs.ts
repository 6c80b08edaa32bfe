import "server-only";

import type { Database } from "@/lib/db/client";
import {
  selectActiveSessionSamples,
  selectFailedSignIns,
  selectSignInRates,
  selectTopUsersBySessions,
  selectUserCountries,
} from "@/lib/db/queries/alert-inputs";
import { logger } from "@/lib/logger";
import { getSessionHealth, getSessionStatistics, type SessionManager } from "@/lib/sessions";
import { getStoreDetails } from "@/lib/sessions/store-details";
import { describeError } from "@/lib/util/describe-error";

import type { AlertInputs, AlertRuleSettings, RedisInputs } from "./rule-definitions";

const minuteMs = 60_000;
// The maximum window of a rule (the PATCH route enforces it), so one read covers every rule.
export const MAX_RULE_WINDOW_SECONDS = 24 * 60 * 60;

/** Runs one read; a failure is logged and gives `fallback`, so that one broken input does not stop the rest. */
async function readOr<T>(name: string, read: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await read();
  } catch (error) {
    logger.warn("alert input not read", { input: name, error: describeError(error) });
    return fallback;
  }
}

async function readRedisInputs(manager: SessionManager): Promise<RedisInputs | null> {
  if (manager.configured !== "redis") return null;

  // The health check probes Redis now (and starts its recovery), so reachability is current
  // rather than whatever the last session request saw.
  const health = await getSessionHealth(manager);
  const details = await getStoreDetails(manager);
  const report = details.redis;
  return {
    reachable: health.checks.redis.status === "up",
    error: health.checks.redis.error,
    fallbackActive: health.fallback_active,
    memory: report
      ? {
          usedShare: report.used_share,
          evictedKeys: report.evicted_keys,
          evictionPolicy: report.eviction_policy,
          evictionPolicyRisk: report.warnings.some((warning) => warning.code === "eviction_policy"),
          keysWithoutTtl: (await readOr("statistics", () => getSessionStatistics(manager), null))?.store_anomalies?.keys_without_ttl ?? 0,
        }
      : null,
  };
}

/** Reads what the alert rules need from the session stores and the history tables, at `now`. */
export async function collectAlertInputs(options: { db: Database; manager: SessionManager; now: Date; rules: AlertRuleSettings[] }): Promise<AlertInputs> {
  const { db, manager, now, rules } = options;
  const lastMinute = new Date(Math.floor(now.getTime() / minuteMs) * minuteMs - minuteMs);
  const longestWindowMs = Math.min(
    Math.max(600, ...rules.map((rule) => rule.windowSeconds ?? 0)),
    MAX_RULE_WINDOW_SECONDS,
  ) * 1000;
  const since = new Date(now.getTime() - longestWindowMs);

  const [statistics, redis, samples, signIns, failedSignIns, topUsers, userCountries] = await Promise.all([
    readOr("statistics", () => getSessionStatistics(manager), null),
    readOr("redis", () => readRedisInputs(manager), null),
    readOr("active session samples", () => selectActiveSessionSamples(db, since), []),
    readOr("sign-in rates", () => selectSignInRates(db, lastMinute), null),
    readOr("failed sign-ins", () => selectFailedSignIns(db, lastMinute), null),
    readOr("sessions per user", () => selectTopUsersBySessions(db, now), null),
    readOr("countries per user", () => selectUserCountries(db, since), null),
  ]);

  return {
    activeSessions: statistics?.active_sessions ?? null,
    activeSessionSamples: samples,
    redis,
    signIns,
    failedSignIns,
    topUsersBySessions: topUsers,
    userCountries,
  };
}
