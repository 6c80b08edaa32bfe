import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

import type Redis from "ioredis";
import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sessions } from "@/lib/db/schema";
import { RedisKeyLayout } from "@/lib/sessions/redis-keys";
import { STATISTICS_MAX_AGE_MS } from "@/lib/sessions/statistics";
import { createUser } from "@/lib/users/create-user";

import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { getJson, signIn, signOut } from "../support/http";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, uniquePrefix } from "../support/redis";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const USER = { email: "user@example.com", password: "user-password-1" };
const STATISTICS = "/admin/session-health/statistics";
const STATUS = "/admin/session-health/status";

let database: TestDatabase;
let redis: Redis;
let prefix: string;
let server: ConsoleServer;

beforeAll(async () => {
  database = await createTestDatabase();
  await createUser(database.connection.db, { ...USER, role: "user" });
  redis = await connectTestRedis();
  prefix = uniquePrefix();
  server = await startConsoleServer({ DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: prefix });
});

afterAll(async () => {
  await server?.stop();
  await deleteKeysWithPrefix(redis, prefix);
  redis?.disconnect();
  await database?.drop();
});

async function newestSessionWithAgent(userAgent: string) {
  const [row] = await database.connection.db
    .select({ tokenHash: sessions.tokenHash, userId: sessions.userId })
    .from(sessions)
    .where(eq(sessions.userAgent, userAgent))
    .orderBy(desc(sessions.createdAt))
    .limit(1);
  return row;
}

describe("production build in Redis mode", () => {
  it.each([STATISTICS, STATUS])("GET %s - 401 JSON without a session", async (route) => {
    const response = await getJson(`${server.baseUrl}${route}`);

    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      success: false,
      error: { code: "unauthorized", message: expect.any(String) },
    });
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it.each([STATISTICS, STATUS])("GET %s - 403 JSON for a user without the admin role", async (route) => {
    const jar = await signIn(server.baseUrl, USER.email, USER.password);
    expect(jar).not.toBeNull();

    const response = await getJson(`${server.baseUrl}${route}`, jar!);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
  });

  it("GET statistics - 200 for an admin with the full contract", async () => {
    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    const response = await getJson(`${server.baseUrl}${STATISTICS}`, jar!);

    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.body.success).toBe(true);
    expect(response.body.data).toMatchObject({
      total_sessions: expect.any(Number),
      active_sessions: expect.any(Number),
      expired_sessions: expect.any(Number),
      active_users: expect.any(Number),
      session_manager_type: "redis",
      data_source: "redis",
      fallback_active: false,
      generated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(response.body.data.active_sessions).toBeGreaterThanOrEqual(1);
  });

  it("GET status - 200 healthy with both checks", async () => {
    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    const response = await getJson(`${server.baseUrl}${STATUS}`, jar!);

    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({
      status: "healthy",
      session_manager_type: "redis",
      fallback_active: false,
      checks: {
        redis: { status: "up", latency_ms: expect.any(Number), error: null },
        database: { status: "up", latency_ms: expect.any(Number), error: null },
      },
      checked_at: expect.any(String),
    });
  });

  it("statistics count a new sign-in within a second", async () => {
    // Statistics are counted at most once per second, so each read waits that second out.
    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    await sleep(STATISTICS_MAX_AGE_MS + 100);
    const before = await getJson(`${server.baseUrl}${STATISTICS}`, jar!);

    expect(await signIn(server.baseUrl, ADMIN.email, ADMIN.password)).not.toBeNull();
    await sleep(STATISTICS_MAX_AGE_MS + 100);
    const after = await getJson(`${server.baseUrl}${STATISTICS}`, jar!);

    expect(after.body.data.active_sessions).toBe(before.body.data.active_sessions + 1);
    expect(after.body.data.total_sessions).toBe(before.body.data.total_sessions + 1);
    expect(Date.parse(after.body.data.generated_at)).toBeGreaterThan(Date.parse(before.body.data.generated_at));
  });

  it("a session deleted from Redis is rejected on its next request", async () => {
    const agent = "deleted-session-test";
    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password, agent);
    expect((await getJson(`${server.baseUrl}${STATISTICS}`, jar!)).status).toBe(200);

    const row = await newestSessionWithAgent(agent);
    const [recordKey] = new RedisKeyLayout(prefix).sessionKeys(row.tokenHash, row.userId);
    expect(await redis.del(recordKey)).toBe(1);

    expect((await getJson(`${server.baseUrl}${STATISTICS}`, jar!)).status).toBe(401);
  });

  it("sign-out ends the session even though its JWT stays valid", async () => {
    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    const oldCookies = jar!.copy();

    await signOut(server.baseUrl, jar!);

    expect(jar!.get("next-auth.session-token")).toBeUndefined();
    expect((await getJson(`${server.baseUrl}${STATISTICS}`, oldCookies)).status).toBe(401);
    expect((await getJson(`${server.baseUrl}/api/auth/session`, oldCookies)).body).toEqual({});
  });

  it("never returns the session token or its hash", async () => {
    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    const token = jar!.get("next-auth.session-token")!;
    const session = await fetch(`${server.baseUrl}/api/auth/session`, { headers: { cookie: jar!.header() } });
    const text = await session.text();

    expect(JSON.parse(text).user.email).toBe(ADMIN.email);
    expect(text).not.toContain("sid");
    expect(text).not.toContain(token);
    expect(server.logs()).not.toContain(token);
  });
});

describe("production build output", () => {
  it("bundles no store client outside Node.js", () => {
    // proxy.ts runs on Node.js and only sets the Content Security Policy; it must stay light.
    const manifest = JSON.parse(readFileSync(".next/server/middleware-manifest.json", "utf8"));
    expect(manifest.middleware).toEqual({});
    const proxyFiles = JSON.parse(readFileSync(".next/server/middleware.js.nft.json", "utf8")).files as string[];
    expect(proxyFiles.filter((file) => /ioredis|postgres|pglite|drizzle/.test(file))).toEqual([]);

    const edgeDirectory = ".next/server/edge";
    const edgeFiles: string[] = [];
    const walk = (directory: string) => {
      for (const name of readdirSync(directory)) {
        const file = path.join(directory, name);
        if (statSync(file).isDirectory()) walk(file);
        else edgeFiles.push(file);
      }
    };
    if (existsSync(edgeDirectory)) walk(edgeDirectory);
    for (const file of edgeFiles) {
      expect(readFileSync(file, "utf8")).not.toMatch(/ioredis|postgres\.js|@electric-sql\/pglite/);
    }
  });
});
