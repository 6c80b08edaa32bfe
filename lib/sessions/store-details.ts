import "server-only";

import { sql } from "drizzle-orm";

import { summarizeStoreLatency, type LatencySummary } from "@/lib/metrics/store-latency";
import { readRedisMemory, type RedisMemoryReport } from "@/lib/redis/memory-report";
import { describeError } from "@/lib/util/describe-error";
import { withTimeout } from "@/lib/util/timeout";

import type { SessionManager } from "./session-manager";
import { getSessionStatistics } from "./statistics";

export interface PostgresDetails {
  table_bytes: number;
  index_bytes: number;
  check_latency_ms: number;
}

/** The body of the store-details route: latency as measured by the app, Redis memory, PostgreSQL size. */
export interface StoreDetails {
  latency: LatencySummary[];
  latency_window_seconds: number;
  redis: RedisMemoryReport | null;
  redis_error: string | null;
  postgres: PostgresDetails | null;
  postgres_error: string | null;
}

const checkTimeoutMs = 1500;

async function readPostgres(manager: SessionManager): Promise<PostgresDetails> {
  const db = await manager.database.database();
  const startedAt = performance.now();
  const [sizes] = await db
    .select({
      table: sql<string>`pg_table_size('sessions')`,
      indexes: sql<string>`pg_indexes_size('sessions')`,
    })
    .from(sql`(select 1) as sizes`);
  return {
    table_bytes: Number(sizes.table),
    index_bytes: Number(sizes.indexes),
    check_latency_ms: Math.round((performance.now() - startedAt) * 100) / 100,
  };
}

async function readRedis(manager: SessionManager): Promise<RedisMemoryReport | null> {
  const client = manager.redisClientForReports();
  if (!client) return null;

  const statistics = await getSessionStatistics(manager);
  const anomalies = statistics.store_anomalies;
  return readRedisMemory(client, {
    sessionEntries: statistics.data_source === "redis" ? statistics.total_sessions : 0,
    // Each live session has a record, and each active user an index key, both with a TTL.
    ownVolatileKeys: statistics.data_source === "redis" ? statistics.total_sessions + statistics.active_users : 0,
    keysWithoutTtl: anomalies?.keys_without_ttl ?? 0,
  });
}

/** Collects the store details; a store that does not respond in time is reported with its error. */
export async function getStoreDetails(manager: SessionManager): Promise<StoreDetails> {
  const [redis, postgres] = await Promise.allSettled([
    withTimeout(readRedis(manager), checkTimeoutMs, "redis memory report"),
    withTimeout(readPostgres(manager), checkTimeoutMs, "postgres size report"),
  ]);

  return {
    latency: summarizeStoreLatency(),
    latency_window_seconds: 300,
    redis: redis.status === "fulfilled" ? redis.value : null,
    redis_error: redis.status === "rejected" ? describeError(redis.reason) : null,
    postgres: postgres.status === "fulfilled" ? postgres.value : null,
    postgres_error: postgres.status === "rejected" ? describeError(postgres.reason) : null,
  };
}
