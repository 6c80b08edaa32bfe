import type Redis from "ioredis";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";

import { connectPostgres } from "@/lib/db/client";
import { insertUser } from "@/lib/db/queries/users";
import { sessions } from "@/lib/db/schema";
import { createRedisClient } from "@/lib/redis/client";
import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { getSessionHealth } from "@/lib/sessions/health";
import { RedisSessionStore } from "@/lib/sessions/redis-store";
import { SessionManager, StoreUnavailableError } from "@/lib/sessions/session-manager";
import { getSessionStatistics } from "@/lib/sessions/statistics";
import { hashSessionToken } from "@/lib/sessions/token";

import { createTestDatabase, type TestDatabase } from "../support/databases";
import { deleteKeysWithPrefix, freePort, startRedisServer, startSilentServer, uniquePrefix, REDIS_URL } from "../support/redis";

// Reconnect quickly after a test restarts Redis; read when the clients below are created.
process.env.REDIS_RETRY_INTERVAL_MS = "200";

let database: TestDatabase;
let userId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const user = await insertUser(database.connection.db, {
    email: "manager-test@example.com",
    name: null,
    role: "admin",
    passwordHash: "unused",
  });
  userId = user.id;
});

afterAll(async () => {
  await database?.drop();
});

function buildManager(redisUrl: string, databaseStore = new DatabaseSessionStore(async () => database.connection.db)) {
  const client = createRedisClient(redisUrl);
  const prefix = uniquePrefix();
  const store = new RedisSessionStore(client, { keyPrefix: prefix, integrityIntervalMs: 3_600_000, cleanupIntervalMs: 3_600_000 });
  const manager = new SessionManager({
    configured: "redis",
    database: databaseStore,
    redis: { client, store },
    maxAgeSeconds: 3600,
    idleTimeoutSeconds: 600,
    touchIntervalSeconds: 60,
    redisTimeoutMs: 600,
    redisProbeTimeoutMs: 1000,
    redisRetryIntervalMs: 200,
  });
  onTestFinished(async () => {
    if (client.status === "ready") await deleteKeysWithPrefix(client, prefix);
    client.disconnect();
  });
  return { manager, client: client as Redis, store };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const startedAt = performance.now();
  const value = await work();
  return { value, ms: performance.now() - startedAt };
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

async function backupRow(token: string) {
  const [row] = await database.connection.db
    .select()
    .from(sessions)
    .where(eq(sessions.tokenHash, hashSessionToken(token)));
  return row;
}

const input = () => ({ userId, role: "admin" as const, ip: "192.0.2.1", userAgent: "manager-test" });

describe("SessionManager in Redis mode", () => {
  it("writes each session's create and end to PostgreSQL as the backup copy", async () => {
    const { manager, client, store } = buildManager(REDIS_URL);

    const created = await manager.createSession(input());
    expect(created.store).toBe("redis");
    const row = await backupRow(created.token);
    expect(row.redisSynced).toBe(true);
    expect(row.expiresAt.getTime()).toBe(created.times.expiresAt.getTime());
    expect(row.ip).toBe("192.0.2.1");

    expect(await manager.revokeSession({ tokenHash: hashSessionToken(created.token), userId }, "test")).toBe(true);
    expect((await backupRow(created.token)).revokedAt).not.toBeNull();
    const [recordKey] = store.layout.sessionKeys(hashSessionToken(created.token), userId);
    expect(await client.exists(recordKey)).toBe(0);
    expect(await manager.validateSession(created.token, userId)).toBeNull();
  });

  it("falls back to PostgreSQL within 2 s when the Redis port is closed", async () => {
    const { manager } = buildManager(`redis://127.0.0.1:${await freePort()}/0`);

    const created = await timed(() => manager.createSession(input()));
    expect(created.ms).toBeLessThan(2000);
    expect(created.value.store).toBe("database");
    expect((await backupRow(created.value.token)).redisSynced).toBe(false);

    const validated = await timed(() => manager.validateSession(created.value.token, userId));
    expect(validated.ms).toBeLessThan(2000);
    expect(validated.value?.userId).toBe(userId);

    const statistics = await timed(() => getSessionStatistics(manager));
    expect(statistics.ms).toBeLessThan(2000);
    expect(statistics.value.data_source).toBe("database");
    expect(statistics.value.fallback_active).toBe(true);
    expect(statistics.value.fallback_reason).toMatch(/ECONNREFUSED|not connected/);
    expect(statistics.value.active_sessions).toBeGreaterThanOrEqual(1);

    const health = await timed(() => getSessionHealth(manager));
    expect(health.ms).toBeLessThan(2000);
    expect(health.value.status).toBe("degraded");
    expect(health.value.fallback_active).toBe(true);
    expect(health.value.checks.redis.status).toBe("down");
  });

  it("falls back within 2 s when Redis accepts connections but never answers", async () => {
    const silent = await startSilentServer();
    onTestFinished(() => silent.stop());
    const { manager } = buildManager(silent.url);

    const created = await timed(() => manager.createSession(input()));
    expect(created.ms).toBeLessThan(2000);
    expect(created.value.store).toBe("database");

    const statistics = await timed(() => getSessionStatistics(manager));
    expect(statistics.ms).toBeLessThan(2000);
    expect(statistics.value.fallback_active).toBe(true);

    const health = await timed(() => getSessionHealth(manager));
    expect(health.ms).toBeLessThan(2000);
    expect(health.value.status).toBe("degraded");
  });

  it("returns to Redis after an outage and replays what changed meanwhile", async () => {
    // A database of its own: the replay copies every unsynced row, including other tests' rows.
    const ownDatabase = await createTestDatabase();
    onTestFinished(() => ownDatabase.drop());
    const owner = await insertUser(ownDatabase.connection.db, {
      email: "replay-test@example.com",
      name: null,
      role: "admin",
      passwordHash: "unused",
    });
    const userId = owner.id;
    const input = () => ({ userId, role: "admin" as const, ip: null, userAgent: null });
    const backupRow = async (token: string) =>
      (await ownDatabase.connection.db.select().from(sessions).where(eq(sessions.tokenHash, hashSessionToken(token))))[0];

    const server = await startRedisServer();
    onTestFinished(() => server.stop());
    const { manager, client, store } = buildManager(
      server.url,
      new DatabaseSessionStore(async () => ownDatabase.connection.db),
    );

    const before = await manager.createSession(input());
    expect(before.store).toBe("redis");

    // A frozen Redis keeps its connections open and its data, and responds to nothing.
    server.pause();
    const revokedDuringOutage = await timed(() =>
      manager.revokeSession({ tokenHash: hashSessionToken(before.token), userId }, "test"),
    );
    expect(revokedDuringOutage.ms).toBeLessThan(2000);
    expect(revokedDuringOutage.value).toBe(true);
    const during = await manager.createSession(input());
    expect(during.store).toBe("database");
    expect(await manager.validateSession(during.token, userId)).not.toBeNull();

    server.resume();
    await waitFor(() => manager.isRedisUsable(), 5000);

    // The revoke reached Redis, and the session created during the outage is in Redis now.
    const [beforeKey] = store.layout.sessionKeys(hashSessionToken(before.token), userId);
    expect(await client.exists(beforeKey)).toBe(0);
    expect(await manager.validateSession(before.token, userId)).toBeNull();
    expect(await store.validate({ tokenHash: hashSessionToken(during.token), userId }, 60)).not.toBeNull();
    expect((await backupRow(during.token)).redisSynced).toBe(true);

    const statistics = await getSessionStatistics(manager);
    expect(statistics.data_source).toBe("redis");
    expect(statistics.fallback_active).toBe(false);
    expect(statistics.active_sessions).toBe(1);
  });

  it("counts from Redis and reports degraded when PostgreSQL is down", async () => {
    const closedDatabase = connectPostgres(`postgres://postgres@127.0.0.1:${await freePort()}/none`);
    onTestFinished(() => closedDatabase.close());
    const { manager } = buildManager(REDIS_URL, new DatabaseSessionStore(async () => closedDatabase.db));

    const statistics = await getSessionStatistics(manager);
    expect(statistics.data_source).toBe("redis");
    expect(statistics.fallback_active).toBe(false);

    const health = await timed(() => getSessionHealth(manager));
    expect(health.ms).toBeLessThan(2000);
    expect(health.value.status).toBe("degraded");
    expect(health.value.checks.database.status).toBe("down");
    expect(health.value.checks.redis.status).toBe("up");
  });

  it("answers 503 when neither store answers", async () => {
    const closedDatabase = connectPostgres(`postgres://postgres@127.0.0.1:${await freePort()}/none`);
    onTestFinished(() => closedDatabase.close());
    const { manager } = buildManager(
      `redis://127.0.0.1:${await freePort()}/0`,
      new DatabaseSessionStore(async () => closedDatabase.db),
    );

    await expect(getSessionStatistics(manager)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(getSessionStatistics(manager)).rejects.toMatchObject({ status: 503 });

    const health = await getSessionHealth(manager);
    expect(health.status).toBe("unhealthy");
  });
});
