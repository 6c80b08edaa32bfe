import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";

import { ADMIN, startConsoleServer } from "../support/console-server";
import { createTestDatabase, POSTGRES_ADMIN_URL, type TestDatabase } from "../support/databases";
import { CookieJar, getJson, signIn } from "../support/http";
import { freePort, startRedisServer, startSilentServer } from "../support/redis";
import { startTcpProxy } from "../support/tcp-proxy";

const STATISTICS = "/admin/session-health/statistics";
const STATUS = "/admin/session-health/status";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

async function startServer(env: Record<string, string>) {
  const server = await startConsoleServer({ DATABASE_URL: database.url, REDIS_RETRY_INTERVAL_MS: "250", ...env });
  onTestFinished(() => server.stop());
  return server;
}

async function expectFallback(baseUrl: string, jar: CookieJar) {
  const statistics = await getJson(`${baseUrl}${STATISTICS}`, jar);
  expect(statistics.ms).toBeLessThan(2000);
  expect(statistics.status).toBe(200);
  expect(statistics.body.data).toMatchObject({
    session_manager_type: "redis",
    data_source: "database",
    fallback_active: true,
  });
  expect(statistics.body.data.active_sessions).toBeGreaterThanOrEqual(1);

  const status = await getJson(`${baseUrl}${STATUS}`, jar);
  expect(status.ms).toBeLessThan(2000);
  expect(status.status).toBe(200);
  expect(status.body.data.status).toBe("degraded");
  expect(status.body.data.fallback_active).toBe(true);
  expect(status.body.data.checks.redis.status).toBe("down");
  expect(status.body.data.checks.redis.error).toEqual(expect.any(String));
}

describe("production build when a store fails", () => {
  it("closed Redis port falls back within 2 s", async () => {
    const server = await startServer({ REDIS_URL: `redis://127.0.0.1:${await freePort()}/0` });

    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    expect(jar).not.toBeNull();
    await expectFallback(server.baseUrl, jar!);
  });

  it("silent Redis falls back within 2 s", async () => {
    const silent = await startSilentServer();
    onTestFinished(() => silent.stop());
    const server = await startServer({ REDIS_URL: silent.url });

    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    expect(jar).not.toBeNull();
    await expectFallback(server.baseUrl, jar!);
  });

  it("recovered Redis is used again", async () => {
    const port = await freePort();
    const server = await startServer({ REDIS_URL: `redis://127.0.0.1:${port}/0` });
    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    expect((await getJson(`${server.baseUrl}${STATISTICS}`, jar!)).body.data.data_source).toBe("database");

    const redis = await startRedisServer(port);
    onTestFinished(() => redis.stop());

    let statistics = await getJson(`${server.baseUrl}${STATISTICS}`, jar!);
    const deadline = Date.now() + 10_000;
    while (statistics.body.data?.data_source !== "redis" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      statistics = await getJson(`${server.baseUrl}${STATISTICS}`, jar!);
    }

    // The session signed in during the outage still works and is counted in Redis.
    expect(statistics.status).toBe(200);
    expect(statistics.body.data.data_source).toBe("redis");
    expect(statistics.body.data.fallback_active).toBe(false);
    expect(statistics.body.data.active_sessions).toBeGreaterThanOrEqual(1);
    const status = await getJson(`${server.baseUrl}${STATUS}`, jar!);
    expect(status.body.data.status).toBe("healthy");
  });

  it("PostgreSQL down: Redis counts, then 503", async () => {
    const proxy = await startTcpProxy(Number(new URL(POSTGRES_ADMIN_URL).port || 5432));
    onTestFinished(() => proxy.close());
    const redis = await startRedisServer();
    onTestFinished(() => redis.stop());
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    const server = await startServer({ DATABASE_URL: viaProxy.toString(), REDIS_URL: redis.url });
    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    expect(jar).not.toBeNull();

    await proxy.cut();

    const statistics = await getJson(`${server.baseUrl}${STATISTICS}`, jar!);
    expect(statistics.status).toBe(200);
    expect(statistics.body.data.data_source).toBe("redis");
    expect(statistics.body.data.active_sessions).toBeGreaterThanOrEqual(1);

    const status = await getJson(`${server.baseUrl}${STATUS}`, jar!);
    expect(status.ms).toBeLessThan(2500);
    expect(status.status).toBe(200);
    expect(status.body.data.status).toBe("degraded");
    expect(status.body.data.checks.database.status).toBe("down");
    expect(status.body.data.checks.redis.status).toBe("up");

    // Both down: a clear 503, and the dashboard shows an error instead of zeros.
    await redis.stop();
    const unavailable = await getJson(`${server.baseUrl}${STATISTICS}`, jar!);
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toEqual({
      success: false,
      error: { code: "store_unavailable", message: expect.stringContaining("unavailable") },
    });

    const page = await fetch(`${server.baseUrl}/admin/session-monitoring`, { headers: { cookie: jar!.header() } });
    const html = await page.text();
    expect(html).toContain('data-testid="error-state"');
    expect(html).not.toContain('data-testid="active-sessions"');
  });
});
