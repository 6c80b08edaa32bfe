import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { SessionManager } from "@/lib/sessions/session-manager";
import { getSessionStatistics, STATISTICS_MAX_AGE_MS } from "@/lib/sessions/statistics";

import { createTestPglite } from "../support/databases";

let database: Awaited<ReturnType<typeof createTestPglite>>;

beforeAll(async () => {
  database = await createTestPglite();
});

afterAll(async () => {
  await database?.drop();
});

function buildManager() {
  const store = new DatabaseSessionStore(async () => database.connection.db);
  const manager = new SessionManager({
    configured: "database",
    database: store,
    redis: null,
    maxAgeSeconds: 3600,
    idleTimeoutSeconds: 600,
    touchIntervalSeconds: 60,
    redisTimeoutMs: 600,
    redisProbeTimeoutMs: 1000,
    redisRetryIntervalMs: 1000,
  });
  return { manager, count: vi.spyOn(store, "countSessions") };
}

describe("statistics cache", () => {
  it("shares one count among concurrent callers", async () => {
    const { manager, count } = buildManager();

    const results = await Promise.all(Array.from({ length: 50 }, () => getSessionStatistics(manager)));

    expect(count).toHaveBeenCalledTimes(1);
    expect(new Set(results.map((result) => result.generated_at)).size).toBe(1);
  });

  it("counts again once the second has passed", async () => {
    const { manager, count } = buildManager();

    const first = await getSessionStatistics(manager);
    const cached = await getSessionStatistics(manager);
    expect(count).toHaveBeenCalledTimes(1);
    expect(cached.generated_at).toBe(first.generated_at);

    await new Promise((resolve) => setTimeout(resolve, STATISTICS_MAX_AGE_MS + 50));
    const fresh = await getSessionStatistics(manager);
    expect(count).toHaveBeenCalledTimes(2);
    expect(Date.parse(fresh.generated_at)).toBeGreaterThan(Date.parse(first.generated_at));
  });
});
