import "server-only";

import { Gauge, type Registry } from "prom-client";

import { readRedisMemory } from "@/lib/redis/memory-report";
import { getSessionHealth, getSessionManager, getSessionStatistics } from "@/lib/sessions";
import { processSingleton } from "@/lib/process-singleton";

/**
 * Registers the gauges that are read from the stores at scrape time. The numbers are the
 * statistics route's own (the same one-second cache), so a scrape and the dashboard agree.
 */
export function registerSessionGauges(registry: Registry): void {
  processSingleton("session-gauges", () => {
    const manager = getSessionManager();
    // prom-client reads the gauges in parallel, each after awaiting its own collect callback.
    // They all await one shared refresh, so every value comes from the same reading.
    let refreshing: Promise<void> | null = null;
    const refreshOnce = () => {
      refreshing ??= collect().finally(() => {
        refreshing = null;
      });
      return refreshing;
    };
    const gauge = (name: string, help: string, labelNames: string[] = []) =>
      new Gauge({ name, help, labelNames, registers: [registry], collect: refreshOnce });

    const activeUsers = gauge("session_active_users", "Users with at least one active session.");
    const stored = gauge("session_stored", "Session records stored (in Redis: index entries).");
    const expired = gauge("session_expired", "Stored sessions past their expiry, not yet removed.");
    const fallback = gauge("session_store_fallback_active", "1 when Redis is configured but PostgreSQL serves the sessions.");
    const storeUp = gauge("session_store_up", "1 when the store answers its health check.", ["store"]);
    const redisUsed = gauge("session_redis_used_memory_bytes", "Memory used by Redis, summed over its masters.");
    const redisMax = gauge("session_redis_maxmemory_bytes", "Redis maxmemory, summed over its masters; 0 means no limit.");
    const redisEvicted = gauge("session_redis_evicted_keys", "Keys Redis has evicted since it started.");

    const active = gauge("session_active", "Sessions not expired and not revoked.");

    async function collect(): Promise<void> {
      const [statistics, health] = await Promise.all([getSessionStatistics(manager), getSessionHealth(manager)]);
      active.set(statistics.active_sessions);
      activeUsers.set(statistics.active_users);
      stored.set(statistics.total_sessions);
      expired.set(statistics.expired_sessions);
      fallback.set(statistics.fallback_active ? 1 : 0);
      storeUp.set({ store: "database" }, health.checks.database.status === "up" ? 1 : 0);

      const client = manager.redisClientForReports();
      if (!client) return;
      storeUp.set({ store: "redis" }, health.checks.redis.status === "up" ? 1 : 0);
      if (health.checks.redis.status !== "up") return;
      const memory = await readRedisMemory(client, {
        sessionEntries: statistics.total_sessions,
        ownVolatileKeys: statistics.total_sessions + statistics.active_users,
        keysWithoutTtl: statistics.store_anomalies?.keys_without_ttl ?? 0,
      });
      redisUsed.set(memory.used_memory_bytes);
      redisMax.set(memory.maxmemory_bytes);
      redisEvicted.set(memory.evicted_keys);
    }
    return active;
  });
}
