import "server-only";

import { getConfiguredSessionStore, getEnv } from "@/lib/env";
import { processSingleton } from "@/lib/process-singleton";
import { getRedisClient } from "@/lib/redis/client";
import { getDatabase } from "@/lib/startup";

import { DatabaseSessionStore } from "./database-store";
import { RedisSessionStore } from "./redis-store";
import { SessionManager } from "./session-manager";

// A session's idle expiry slides at most once a minute, so an active user costs one write a minute.
const touchIntervalSeconds = 60;

/** The process-wide SessionManager, wired from the environment. */
export function getSessionManager(): SessionManager {
  return processSingleton("session-manager", () => {
    const env = getEnv();
    const configured = getConfiguredSessionStore(env);
    const client = configured === "redis" ? getRedisClient() : null;

    return new SessionManager({
      configured,
      database: new DatabaseSessionStore(getDatabase),
      redis: client
        ? {
            client,
            store: new RedisSessionStore(client, {
              keyPrefix: env.REDIS_KEY_PREFIX,
              integrityIntervalMs: env.SESSION_INTEGRITY_SCAN_INTERVAL_SECONDS * 1000,
            }),
          }
        : null,
      maxAgeSeconds: env.SESSION_MAX_AGE_SECONDS,
      idleTimeoutSeconds: env.SESSION_IDLE_TIMEOUT_SECONDS,
      touchIntervalSeconds,
      redisTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS + 100,
      redisProbeTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS,
      redisRetryIntervalMs: env.REDIS_RETRY_INTERVAL_MS,
    });
  });
}

export { getSessionHealth, type SessionHealth } from "./health";
export { getSessionStatistics, type SessionStatistics } from "./statistics";
export { StoreUnavailableError, type SessionManager } from "./session-manager";
export { hashSessionToken } from "./token";
