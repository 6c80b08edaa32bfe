import { randomUUID } from "node:crypto";

import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { insertUser } from "@/lib/db/queries/users";
import { createRedisCluster, waitForFirstConnection } from "@/lib/redis/client";
import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { getSessionHealth } from "@/lib/sessions/health";
import { RedisSessionStore } from "@/lib/sessions/redis-store";
import { revokeMatchingSessions } from "@/lib/sessions/revoke-sessions";
import { SessionManager } from "@/lib/sessions/session-manager";
import { countSessionStatistics } from "@/lib/sessions/statistics";
import { hashSessionToken } from "@/lib/sessions/token";

import { createTestDatabase, type TestDatabase } from "../support/databases";
import { startRedisCluster, type RedisCluster } from "../support/redis-cluster";
import { uniquePrefix } from "../support/redis";

process.env.REDIS_RETRY_INTERVAL_MS = "200";

let cluster: RedisCluster;
let client: Cluster;
let database: TestDatabase;
let store: RedisSessionStore;
let manager: SessionManager;
const userIds: string[] = [];
const tokens = new Map<string, string[]>();

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  database = await createTestDatabase();
  client = createRedisCluster(cluster.nodes);
  await waitForFirstConnection(client, 5000);

  store = new RedisSessionStore(client, { keyPrefix: uniquePrefix(), integrityIntervalMs: 3_600_000, cleanupIntervalMs: 3_600_000 });
  manager = new SessionManager({
    configured: "redis",
    database: new DatabaseSessionStore(async () => database.connection.db),
    redis: { client, store },
    maxAgeSeconds: 3600,
    idleTimeoutSeconds: 600,
    touchIntervalSeconds: 60,
    redisTimeoutMs: 1000,
    redisProbeTimeoutMs: 1000,
    redisRetryIntervalMs: 200,
  });

  // 60 users with two sessions each: enough to spread over all 16 shards and all three masters.
  for (let index = 0; index < 60; index += 1) {
    const user = await insertUser(database.connection.db, {
      email: `cluster-${index}@example.com`,
      name: null,
      role: "user",
      passwordHash: "unused",
    });
    userIds.push(user.id);
    const created = await Promise.all([0, 1].map(() => manager.createSession({ userId: user.id, role: "user", ip: null, userAgent: null })));
    expect(created.every((session) => session.store === "redis")).toBe(true);
    tokens.set(user.id, created.map((session) => session.token));
  }
}, 120_000);

afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
  await database?.drop();
});

describe("session store on a 3-master Redis Cluster", () => {
  it("spreads sessions over every master", async () => {
    const sizes = await Promise.all(client.nodes("master").map((node) => node.dbsize()));

    expect(sizes).toHaveLength(3);
    for (const size of sizes) expect(size).toBeGreaterThan(0);
  });

  it("counts across all masters without duplicates", async () => {
    const counts = await store.countSessions();

    expect(counts.total).toBe(120);
    expect(counts.active).toBe(120);
    expect(counts.expired).toBe(0);
    expect(counts.activeUsers).toBe(60);
  });

  it("checks integrity on every master", async () => {
    const report = await store.refreshIntegrity();

    expect(report.anomalies.status).toBe("ok");
    expect(report.anomalies.scanned_keys).toBe(120);
  });

  it("signs a user out everywhere without CROSSSLOT errors", async () => {
    const userId = userIds[0];

    const ended = await revokeMatchingSessions(manager, { filter: { user_id: userId }, exceptTokenHash: null, reason: "test" });
    expect(ended.sessions).toBe(2);
    for (const token of tokens.get(userId)!) {
      expect(await store.validate({ tokenHash: hashSessionToken(token), userId }, 60)).toBeNull();
    }

    const counts = await store.countSessions();
    expect(counts.active).toBe(118);
    expect(counts.activeUsers).toBe(59);
  });

  it("survives a script flush on every master", async () => {
    // A master that lost its scripts (SCRIPT FLUSH, or a failover to a replica that never ran
    // them) must not fail session commands with NOSCRIPT.
    await Promise.all(client.nodes("master").map((node) => node.script("FLUSH")));

    const results = await Promise.all(
      // The first user was signed out by the test before; these were not.
      userIds.slice(1, 31).map((userId) => manager.validateSession(tokens.get(userId)![0], userId)),
    );

    expect(results.every((session) => session !== null)).toBe(true);
    expect((await countSessionStatistics(manager)).data_source).toBe("redis");
  });

  it("reads many records across slots in one call", async () => {
    const targets = userIds.slice(1, 21).map((userId) => ({ tokenHash: hashSessionToken(tokens.get(userId)![0]), userId }));

    const records = await store.readRecords(targets);

    expect([...records.values()].filter(Boolean)).toHaveLength(20);
  });

  it("falls back to PostgreSQL when a master stops, never a wrong count", async () => {
    await cluster.killNode(2);

    // The store itself refuses to count rather than count two thirds of the sessions.
    await expect(store.countSessions()).rejects.toThrow();

    const statistics = await countSessionStatistics(manager);
    expect(statistics.data_source).toBe("database");
    expect(statistics.fallback_active).toBe(true);
    expect(statistics.active_sessions).toBe(118);

    const health = await getSessionHealth(manager);
    expect(health.status).toBe("degraded");
    expect(health.checks.redis.status).toBe("down");
  });
});
