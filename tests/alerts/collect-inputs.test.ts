import type Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { collectAlertInputs } from "@/lib/alerts/collect-inputs";
import { evaluateRules } from "@/lib/alerts/evaluate-rules";
import { alertRuleDefinitions, alertRuleIds, type AlertRuleSettings } from "@/lib/alerts/rule-definitions";
import { createRedisClient } from "@/lib/redis/client";
import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { RedisSessionStore } from "@/lib/sessions/redis-store";
import { SessionManager } from "@/lib/sessions/session-manager";

import { createTestDatabase, type TestDatabase } from "../support/databases";
import { startRedisServer, uniquePrefix, type RedisServer } from "../support/redis";

// Reconnect quickly after the test pauses Redis; read when the client below is created.
process.env.REDIS_RETRY_INTERVAL_MS = "200";

const rules: AlertRuleSettings[] = alertRuleIds.map((id) => ({ id, ...alertRuleDefinitions[id].defaults }));

let database: TestDatabase;
let redis: RedisServer;
let client: Redis;
let manager: SessionManager;

beforeAll(async () => {
  database = await createTestDatabase();
  // A policy that evicts any key, session keys included, under a memory limit.
  redis = await startRedisServer(undefined, ["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"]);
  client = createRedisClient(redis.url) as Redis;
  manager = new SessionManager({
    configured: "redis",
    database: new DatabaseSessionStore(async () => database.connection.db),
    redis: { client, store: new RedisSessionStore(client, { keyPrefix: uniquePrefix(), integrityIntervalMs: 3_600_000, cleanupIntervalMs: 3_600_000 }) },
    maxAgeSeconds: 3600,
    idleTimeoutSeconds: 600,
    touchIntervalSeconds: 60,
    redisTimeoutMs: 600,
    redisProbeTimeoutMs: 1000,
    redisRetryIntervalMs: 200,
  });
  // As at server start-up: wait for the first connection.
  expect(await manager.isRedisUsable()).toBe(true);
});

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
  await database?.drop();
});

describe("alert inputs from the stores", () => {
  it("read Redis memory and policy", async () => {
    const inputs = await collectAlertInputs({ db: database.connection.db, manager, now: new Date(), rules });

    expect(inputs.activeSessions).toBe(0);
    expect(inputs.redis).not.toBeNull();
    expect(inputs.redis!.reachable, inputs.redis!.error ?? "").toBe(true);
    expect(inputs.redis!.fallbackActive).toBe(false);
    expect(inputs.redis!.memory).toMatchObject({ evictionPolicy: "allkeys-lru", evictionPolicyRisk: true, evictedKeys: 0, keysWithoutTtl: 0 });
    expect(inputs.redis!.memory!.usedShare).toBeGreaterThan(0);
    expect(inputs.redis!.memory!.usedShare).toBeLessThan(0.5);

    const states = evaluateRules({ rules, states: new Map(), inputs, now: new Date() }).states;
    const firing = states.filter((state) => state.state === "firing").map((state) => state.ruleId);
    expect(firing).toEqual(["redis_eviction_policy"]);
  });

  it("see a paused Redis as unreachable", async () => {
    redis.pause();
    try {
      const inputs = await collectAlertInputs({ db: database.connection.db, manager, now: new Date(), rules });

      expect(inputs.redis!.reachable).toBe(false);
      expect(inputs.redis!.error).toContain("timed out");
      expect(inputs.redis!.fallbackActive).toBe(true);
      // The counts come from PostgreSQL meanwhile.
      expect(inputs.activeSessions).toBe(0);
    } finally {
      redis.resume();
    }
  });
});
