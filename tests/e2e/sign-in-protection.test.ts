import type Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SIGN_IN_LIMITS } from "@/lib/auth/sign-in-limiter";
import { createUser } from "@/lib/users/create-user";

import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { CookieJar, getJson } from "../support/http";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, startRedisServer, uniquePrefix, type RedisServer } from "../support/redis";
import { attemptSignIn, sendJson, signInWithHeaders, type SignInAttempt } from "../support/requests";

const PASSWORD = "user-password-1";

/** Posts the sign-in form from the given client address. */
function attemptFrom(baseUrl: string, email: string, password: string, ip: string): Promise<SignInAttempt> {
  return attemptSignIn(baseUrl, email, password, { "x-forwarded-for": ip });
}

interface Mode {
  name: string;
  /** Redis down: the counters live in PostgreSQL. */
  redisDown: boolean;
}

describe.each<Mode>([
  { name: "Redis", redisDown: false },
  { name: "the PostgreSQL fallback", redisDown: true },
])("sign-in limits in $name", (mode) => {
  let database: TestDatabase;
  let server: ConsoleServer;
  let redisServer: RedisServer | null = null;
  let redis: Redis | null = null;
  let prefix = "";

  beforeAll(async () => {
    database = await createTestDatabase();
    for (const name of ["locked", "spared", "ip-a", "ip-b", "ip-c", "ip-d", "ip-e"]) {
      await createUser(database.connection.db, { email: `${name}@example.com`, password: PASSWORD, role: "user" });
    }
    prefix = uniquePrefix();
    const env: Record<string, string> = { DATABASE_URL: database.url, REDIS_KEY_PREFIX: prefix, SESSION_BACKEND: "redis" };
    if (mode.redisDown) {
      // A Redis that is gone before the console starts: every counter goes to PostgreSQL.
      redisServer = await startRedisServer();
      env.REDIS_URL = redisServer.url;
      await redisServer.stop();
    } else {
      redis = await connectTestRedis();
      env.REDIS_URL = REDIS_URL;
    }
    server = await startConsoleServer(env);
  });

  afterAll(async () => {
    await server?.stop();
    if (redis) {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    }
    await database?.drop();
  });

  it("locks an account after repeated failures", async () => {
    const wrong = await attemptFrom(server.baseUrl, "locked@example.com", "wrong-password", "198.51.100.1");
    for (let attempt = 1; attempt < SIGN_IN_LIMITS.account; attempt += 1) {
      await attemptFrom(server.baseUrl, "locked@example.com", "wrong-password", `198.51.100.${attempt + 1}`);
    }

    // The right password, from yet another address, is now turned away like a wrong one.
    const locked = await attemptFrom(server.baseUrl, "locked@example.com", PASSWORD, "198.51.100.99");
    const unknown = await attemptFrom(server.baseUrl, "nobody@example.com", PASSWORD, "198.51.100.98");

    expect(wrong.jar).toBeNull();
    expect(locked.jar).toBeNull();
    expect(locked.location).toBe(wrong.location);
    expect(unknown.location).toBe(wrong.location);
    expect(await attemptFrom(server.baseUrl, "spared@example.com", PASSWORD, "198.51.100.1")).toMatchObject({ jar: expect.any(CookieJar) });
  });

  it("audits and logs the lockout once", async () => {
    const admin = await signInWithHeaders(server.baseUrl, ADMIN.email, ADMIN.password, { "x-forwarded-for": "192.0.2.200" });
    expect(admin).not.toBeNull();

    const audit = await getJson(`${server.baseUrl}/api/admin/audit?action=auth.lockout`, admin!);

    expect(audit.status).toBe(200);
    const events = audit.body.data.events as Array<{ actor: { user_id: string | null; ip: string }; target: { account: string; counters: string[] } }>;
    expect(events).toHaveLength(1);
    expect(events[0].target.counters).toEqual(["account"]);
    // The locked account is the target; the actor is the client that kept failing.
    expect(events[0].target.account).toBe("locked@example.com");
    expect(events[0].actor.user_id).toBeNull();
    expect(events[0].actor.ip).toBe(`198.51.100.${SIGN_IN_LIMITS.account}`);
    expect(server.logs()).toContain("sign-ins locked after repeated failures");
    expect(server.logs()).not.toContain(PASSWORD);
    expect(server.logs()).not.toContain("wrong-password");
  });

  it("locks an address after failures on many accounts", async () => {
    const ip = "203.0.113.7";
    const accounts = ["ip-a", "ip-b", "ip-c", "ip-d", "ip-e"];
    // Spread over five accounts so that no account reaches its own limit.
    for (let attempt = 0; attempt < SIGN_IN_LIMITS.ip; attempt += 1) {
      await attemptFrom(server.baseUrl, `${accounts[attempt % accounts.length]}@example.com`, "wrong-password", ip);
    }

    const fromThatAddress = await attemptFrom(server.baseUrl, "ip-a@example.com", PASSWORD, ip);
    const fromAnother = await attemptFrom(server.baseUrl, "ip-a@example.com", PASSWORD, "203.0.113.8");

    expect(fromThatAddress.jar).toBeNull();
    expect(fromAnother.jar).not.toBeNull();
  });
});

describe("password and role changes", () => {
  let database: TestDatabase;
  let server: ConsoleServer;
  let redis: Redis;
  let prefix: string;
  let userId = "";

  beforeAll(async () => {
    database = await createTestDatabase();
    userId = (await createUser(database.connection.db, { email: "changer@example.com", password: PASSWORD, role: "user" })).id;
    redis = await connectTestRedis();
    prefix = uniquePrefix();
    server = await startConsoleServer({ DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, SESSION_BACKEND: "redis" });
  });

  afterAll(async () => {
    await server?.stop();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await database?.drop();
  });

  const signInUser = async (password = PASSWORD) => (await attemptFrom(server.baseUrl, "changer@example.com", password, "192.0.2.10")).jar;

  it("password change needs the current one", async () => {
    const jar = await signInUser();

    const response = await sendJson(`${server.baseUrl}/api/account/password`, {
      method: "POST",
      jar: jar!,
      json: { current_password: "not-it", new_password: "a-new-password-2" },
    });

    expect(response.status).toBe(422);
    expect(response.body.error.field).toBe("current_password");
  });

  it("password change signs out the other sessions", async () => {
    const current = await signInUser();
    const other = await signInUser();

    const response = await sendJson(`${server.baseUrl}/api/account/password`, {
      method: "POST",
      jar: current!,
      json: { current_password: PASSWORD, new_password: "a-new-password-2" },
    });

    expect(response.status).toBe(200);
    expect(response.body.data.signed_out_sessions).toBeGreaterThanOrEqual(1);
    expect((await getJson(`${server.baseUrl}/api/me`, other!)).status).toBe(401);
    expect((await getJson(`${server.baseUrl}/api/me`, current!)).status).toBe(200);
    expect(await signInUser(PASSWORD)).toBeNull();
    expect(await signInUser("a-new-password-2")).not.toBeNull();
  });

  it("role change signs the user out", async () => {
    const admin = await signInWithHeaders(server.baseUrl, ADMIN.email, ADMIN.password, {});
    const user = await signInUser("a-new-password-2");

    const promoted = await sendJson(`${server.baseUrl}/api/admin/users/${userId}`, { method: "PATCH", jar: admin!, json: { role: "admin" } });

    expect(promoted.status).toBe(200);
    expect(promoted.body.data.role).toBe("admin");
    expect((await getJson(`${server.baseUrl}/api/me`, user!)).status).toBe(401);
    const audit = await getJson(`${server.baseUrl}/api/admin/audit?action=user.role_change`, admin!);
    expect(audit.body.data.events).toHaveLength(1);
  });

  it("keeps the last admin", async () => {
    const admin = await signInWithHeaders(server.baseUrl, ADMIN.email, ADMIN.password, {});
    const demoteOther = await sendJson(`${server.baseUrl}/api/admin/users/${userId}`, { method: "PATCH", jar: admin!, json: { role: "user" } });
    expect(demoteOther.status).toBe(200);
    const me = await getJson(`${server.baseUrl}/api/me`, admin!);

    const demoteSelf = await sendJson(`${server.baseUrl}/api/admin/users/${me.body.data.user.id}`, { method: "PATCH", jar: admin!, json: { role: "user" } });

    expect(demoteSelf.status).toBe(409);
    expect(demoteSelf.body.error.field).toBe("role");
  });
});
