import { randomUUID } from "node:crypto";

import { describe, expect, it, onTestFinished } from "vitest";

import { createRedisClient, waitForFirstConnection } from "@/lib/redis/client";
import { readRedisMemory } from "@/lib/redis/memory-report";
import { RedisSessionStore } from "@/lib/sessions/redis-store";
import { generateSessionToken, hashSessionToken } from "@/lib/sessions/token";

import { startRedisServer } from "../support/redis";

/**
 * Fills a 2 MB Redis with sessions, a batch at a time, until it evicts keys or rejects writes;
 * at most 200 batches. Returns how many batches were accepted.
 */
async function fill(store: RedisSessionStore): Promise<void> {
  const userIds = Array.from({ length: 200 }, () => randomUUID());
  for (let batch = 0; batch < 200; batch += 1) {
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, index) =>
        store.create({
          id: randomUUID(),
          tokenHash: hashSessionToken(generateSessionToken()),
          userId: userIds[(batch * 100 + index) % userIds.length],
          role: "user",
          ip: null,
          userAgent: null,
          maxAgeSeconds: 3600,
          idleTimeoutSeconds: 1800,
        }),
      ),
    );
    if (results.some((result) => result.status === "rejected")) return;
  }
}

async function startFull(policy: string) {
  const server = await startRedisServer(undefined, ["--maxmemory", "2mb", "--maxmemory-policy", policy]);
  onTestFinished(() => server.stop());
  const client = createRedisClient(server.url);
  onTestFinished(() => client.disconnect());
  await waitForFirstConnection(client, 5000);
  const store = new RedisSessionStore(client, { keyPrefix: "evict", integrityIntervalMs: 0, cleanupIntervalMs: Number.POSITIVE_INFINITY });
  await fill(store);
  return { client, store };
}

describe("Redis eviction warnings", () => {
  it("warns about allkeys-lru and the keys it evicted", async () => {
    const { client, store } = await startFull("allkeys-lru");
    const counts = await store.countSessions();

    const report = await readRedisMemory(client, {
      sessionEntries: counts.total,
      ownVolatileKeys: counts.total + counts.activeUsers,
      keysWithoutTtl: 0,
    });

    expect(report.eviction_policy).toBe("allkeys-lru");
    expect(report.evicted_keys).toBeGreaterThan(0);
    const codes = report.warnings.map((warning) => warning.code);
    expect(codes).toContain("eviction_policy");
    expect(codes).toContain("evicted_keys");
    const policyWarning = report.warnings.find((warning) => warning.code === "eviction_policy")!;
    expect(policyWarning.message).toContain("allkeys-lru");
    const evictionWarning = report.warnings.find((warning) => warning.code === "evicted_keys")!;
    expect(evictionWarning.message).toContain(`${report.evicted_keys} keys`);
  });

  it("stays quiet about eviction under noeviction", async () => {
    const { client, store } = await startFull("noeviction");
    const counts = await store.countSessions();

    const report = await readRedisMemory(client, {
      sessionEntries: counts.total,
      ownVolatileKeys: counts.total + counts.activeUsers,
      keysWithoutTtl: 0,
    });

    expect(report.eviction_policy).toBe("noeviction");
    expect(report.evicted_keys).toBe(0);
    const codes = report.warnings.map((warning) => warning.code);
    expect(codes).not.toContain("eviction_policy");
    expect(codes).not.toContain("evicted_keys");
    // Writes were rejected instead, and the memory figure shows why.
    expect(report.used_share).toBeGreaterThan(0.9);
  });
});
