import type Redis from "ioredis";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";

import { sessions } from "@/lib/db/schema";
import { RedisKeyLayout } from "@/lib/sessions/redis-keys";
import { createUser } from "@/lib/users/create-user";

import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { getJson, signIn, signOut, type CookieJar, type JsonResponse } from "../support/http";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, startRedisServer, uniquePrefix } from "../support/redis";
import { sendJson, signInWithHeaders } from "../support/requests";

const PASSWORD = "user-password-1";
const STATISTICS = "/admin/session-health/statistics";
const ACCOUNT_SESSIONS = "/api/account/sessions";
const ADMIN_SESSIONS = "/api/admin/sessions";
const REVOKE = "/api/admin/sessions/revoke";
const AUDIT = "/api/admin/audit";

// One account per scenario, so that a filter by email finds only that scenario's sessions.
const USERS = {
  target: "target@example.com",
  bulk: "bulk@example.com",
  bystander: "bystander@example.com",
  cidr: "cidr@example.com",
  self: "self@example.com",
  other: "other@example.com",
  everyone: "everyone@example.com",
};

interface Mode {
  name: string;
  redis: boolean;
}

const MODES: Mode[] = [
  { name: "Redis mode", redis: true },
  { name: "database mode", redis: false },
];

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Returns the status of the session's next request, to an admin route for admins and to the own session list for users. */
async function nextRequestStatus(baseUrl: string, jar: CookieJar, role: "admin" | "user" = "user"): Promise<number> {
  return (await getJson(`${baseUrl}${role === "admin" ? STATISTICS : ACCOUNT_SESSIONS}`, jar)).status;
}

async function signInAs(baseUrl: string, email: string, password = PASSWORD): Promise<CookieJar> {
  const jar = await signIn(baseUrl, email, password);
  expect(jar, `sign-in of ${email}`).not.toBeNull();
  return jar!;
}

/** Lists the sessions of one account through the admin API, newest first. */
async function adminListByEmail(baseUrl: string, adminJar: CookieJar, email: string, status?: string) {
  const query = new URLSearchParams({ email, limit: "200", ...(status ? { status } : {}) });
  const response = await getJson(`${baseUrl}${ADMIN_SESSIONS}?${query}`, adminJar);
  expect(response.status, `admin list for ${email}`).toBe(200);
  const items = response.body.data.sessions as Array<{ id: string; user: { id: string; email: string }; status: string; ip: string | null }>;
  return items.filter((item) => item.user.email === email);
}

describe.each(MODES)("session actions in $name", (mode) => {
  let database: TestDatabase;
  let server: ConsoleServer;
  let redis: Redis | null = null;
  let prefix = "";
  const deletedIds: string[] = [];
  let othersSignedOut = 0;
  let ownOthersSignedOut = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    for (const email of Object.values(USERS)) {
      await createUser(database.connection.db, { email, password: PASSWORD, role: "user" });
    }
    const env: Record<string, string> = { DATABASE_URL: database.url };
    if (mode.redis) {
      redis = await connectTestRedis();
      prefix = uniquePrefix();
      Object.assign(env, { REDIS_URL, REDIS_KEY_PREFIX: prefix, SESSION_BACKEND: "redis" });
    } else {
      env.SESSION_BACKEND = "database";
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

  it("uses the configured store", async () => {
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    const statistics = await getJson(`${server.baseUrl}${STATISTICS}`, admin);

    expect(statistics.body.data.session_manager_type).toBe(mode.redis ? "redis" : "database");
    expect(statistics.body.data.fallback_active).toBe(false);
  });

  it("DELETE signs out one session", async () => {
    const user = await signInAs(server.baseUrl, USERS.target);
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    expect(await nextRequestStatus(server.baseUrl, user)).toBe(200);
    const [listed] = await adminListByEmail(server.baseUrl, admin, USERS.target, "active");
    expect(listed).toBeDefined();

    const deleted = await sendJson(`${server.baseUrl}${ADMIN_SESSIONS}/${listed.id}`, { method: "DELETE", jar: admin });
    deletedIds.push(listed.id);

    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ success: true, data: { id: listed.id, signed_out: true } });
    expect(deleted.headers.get("cache-control")).toBe("no-store");
    expect(await nextRequestStatus(server.baseUrl, user)).toBe(401);
    expect(await nextRequestStatus(server.baseUrl, admin, "admin")).toBe(200);

    const [after] = await adminListByEmail(server.baseUrl, admin, USERS.target);
    expect(after.id).toBe(listed.id);
    expect(after.status).toBe("revoked");
  });

  it("DELETE twice returns 409", async () => {
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    const again = await sendJson(`${server.baseUrl}${ADMIN_SESSIONS}/${deletedIds[0]}`, { method: "DELETE", jar: admin });

    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
  });

  it("DELETE unknown id returns 404", async () => {
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    const response = await sendJson(`${server.baseUrl}${ADMIN_SESSIONS}/7d0f2b8e-3c1a-4b6e-9f2d-1a2b3c4d5e6f`, {
      method: "DELETE",
      jar: admin,
    });

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("not_found");
  });

  it("DELETE invalid id returns 422", async () => {
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    const response = await sendJson(`${server.baseUrl}${ADMIN_SESSIONS}/abc`, { method: "DELETE", jar: admin });

    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe("validation_failed");
    expect(response.body.error.field).toBe("id");
  });

  it("revoke by user_id after dry run", async () => {
    const first = await signInAs(server.baseUrl, USERS.bulk);
    const second = await signInAs(server.baseUrl, USERS.bulk);
    const bystander = await signInAs(server.baseUrl, USERS.bystander);
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    const listed = await adminListByEmail(server.baseUrl, admin, USERS.bulk, "active");
    expect(listed).toHaveLength(2);
    const bulkUserId = listed[0].user.id;

    const dryRun = await sendJson(`${server.baseUrl}${REVOKE}`, {
      method: "POST",
      jar: admin,
      json: { filter: { user_id: bulkUserId }, dry_run: true },
    });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body.data).toEqual({ dry_run: true, sessions: 2, users: 1 });
    expect(await nextRequestStatus(server.baseUrl, first), "first session after dry run").toBe(200);
    expect(await nextRequestStatus(server.baseUrl, second), "second session after dry run").toBe(200);

    const revoked = await sendJson(`${server.baseUrl}${REVOKE}`, {
      method: "POST",
      jar: admin,
      json: { filter: { user_id: bulkUserId } },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data).toEqual({ dry_run: false, sessions: 2, users: 1 });
    expect(await nextRequestStatus(server.baseUrl, first), "first session").toBe(401);
    expect(await nextRequestStatus(server.baseUrl, second), "second session").toBe(401);
    expect(await nextRequestStatus(server.baseUrl, bystander), "another user's session").toBe(200);
    expect(await nextRequestStatus(server.baseUrl, admin, "admin"), "the admin's session").toBe(200);
  });

  it("revoke by CIDR filter", async () => {
    // `next start` keeps a client's X-Forwarded-For, and with one trusted proxy the console stores
    // its last entry, the one that proxy appended. These sign-ins look like clients at 10.77.1.5,
    // 10.77.2.6 (behind a forged first entry) and 10.78.0.1.
    const inside = await signInWithHeaders(server.baseUrl, USERS.cidr, PASSWORD, { "x-forwarded-for": "10.77.1.5" });
    const alsoInside = await signInWithHeaders(server.baseUrl, USERS.cidr, PASSWORD, { "x-forwarded-for": "198.51.100.9, 10.77.2.6" });
    const outside = await signInWithHeaders(server.baseUrl, USERS.cidr, PASSWORD, { "x-forwarded-for": "10.78.0.1" });
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    expect(inside, "sign-in from 10.77.1.5").not.toBeNull();
    expect(alsoInside, "sign-in from 10.77.2.6").not.toBeNull();
    expect(outside, "sign-in from 10.78.0.1").not.toBeNull();

    const listed = await getJson(`${server.baseUrl}${ADMIN_SESSIONS}?${new URLSearchParams({ ip: "10.77.0.0/16" })}`, admin);
    expect(listed.status).toBe(200);
    expect(listed.body.data.sessions.map((item: { ip: string }) => item.ip).sort()).toEqual(["10.77.1.5", "10.77.2.6"]);
    const [own] = (await adminListByEmail(server.baseUrl, admin, ADMIN.email, "active")).slice(0, 1);
    expect(own.ip, "address stored without X-Forwarded-For").toBe("127.0.0.1");

    const revoked = await sendJson(`${server.baseUrl}${REVOKE}`, {
      method: "POST",
      jar: admin,
      json: { filter: { ip: "10.77.0.0/16" } },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data).toEqual({ dry_run: false, sessions: 2, users: 1 });
    expect(await nextRequestStatus(server.baseUrl, inside!), "session from 10.77.1.5").toBe(401);
    expect(await nextRequestStatus(server.baseUrl, alsoInside!), "session from 10.77.2.6").toBe(401);
    expect(await nextRequestStatus(server.baseUrl, outside!), "session from 10.78.0.1").toBe(200);
  });

  it("account DELETE of own session", async () => {
    const current = await signInAs(server.baseUrl, USERS.self);
    const second = await signInAs(server.baseUrl, USERS.self);

    const own = await getJson(`${server.baseUrl}${ACCOUNT_SESSIONS}`, current);
    expect(own.status).toBe(200);
    const items = own.body.data.sessions as Array<{ id: string; is_current: boolean; user: { email: string } }>;
    expect(items).toHaveLength(2);
    expect(items.filter((item) => item.is_current)).toHaveLength(1);
    expect(items.every((item) => item.user.email === USERS.self)).toBe(true);
    const secondId = items.find((item) => !item.is_current)!.id;

    const deleted = await sendJson(`${server.baseUrl}${ACCOUNT_SESSIONS}/${secondId}`, { method: "DELETE", jar: current });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toEqual({ id: secondId, signed_out: true });
    expect(await nextRequestStatus(server.baseUrl, second), "deleted session").toBe(401);
    expect(await nextRequestStatus(server.baseUrl, current), "current session").toBe(200);

    const again = await sendJson(`${server.baseUrl}${ACCOUNT_SESSIONS}/${secondId}`, { method: "DELETE", jar: current });
    expect(again.status).toBe(409);
  });

  it("account DELETE of foreign session", async () => {
    const self = await signInAs(server.baseUrl, USERS.self);
    const other = await signInAs(server.baseUrl, USERS.other);
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    const [foreign] = await adminListByEmail(server.baseUrl, admin, USERS.other, "active");

    const response = await sendJson(`${server.baseUrl}${ACCOUNT_SESSIONS}/${foreign.id}`, { method: "DELETE", jar: self });
    const unknown = await sendJson(`${server.baseUrl}${ACCOUNT_SESSIONS}/7d0f2b8e-3c1a-4b6e-9f2d-1a2b3c4d5e6f`, {
      method: "DELETE",
      jar: self,
    });

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("not_found");
    expect(unknown.status).toBe(404);
    expect(response.body.error.message.replace(foreign.id, "ID")).toBe(
      unknown.body.error.message.replace("7d0f2b8e-3c1a-4b6e-9f2d-1a2b3c4d5e6f", "ID"),
    );
    expect(await nextRequestStatus(server.baseUrl, other), "the other user's session").toBe(200);
  });

  it("account revoke-others keeps current", async () => {
    const current = await signInAs(server.baseUrl, USERS.self);
    const extraSessions = [await signInAs(server.baseUrl, USERS.self), await signInAs(server.baseUrl, USERS.self)];
    const other = await signInAs(server.baseUrl, USERS.other);
    const before = await getJson(`${server.baseUrl}${ACCOUNT_SESSIONS}`, current);
    const liveBefore = before.body.data.sessions.length as number;
    expect(liveBefore).toBeGreaterThanOrEqual(3);

    const response = await sendJson(`${server.baseUrl}${ACCOUNT_SESSIONS}/revoke-others`, { method: "POST", jar: current });
    ownOthersSignedOut = response.body.data?.sessions;

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ sessions: liveBefore - 1 });
    expect(await nextRequestStatus(server.baseUrl, current), "current session").toBe(200);
    for (const [index, jar] of extraSessions.entries()) {
      expect(await nextRequestStatus(server.baseUrl, jar), `other session ${index}`).toBe(401);
    }
    expect(await nextRequestStatus(server.baseUrl, other), "another user's session").toBe(200);
    const after = await getJson(`${server.baseUrl}${ACCOUNT_SESSIONS}`, current);
    expect(after.body.data.sessions).toHaveLength(1);
    expect(after.body.data.sessions[0].is_current).toBe(true);
  });

  it("revoke all except current", async () => {
    const users = [await signInAs(server.baseUrl, USERS.everyone), await signInAs(server.baseUrl, USERS.other)];
    const otherAdmin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    const caller = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);

    const preview = await sendJson(`${server.baseUrl}${REVOKE}`, {
      method: "POST",
      jar: caller,
      json: { filter: {}, except_current: true, dry_run: true },
    });
    const response = await sendJson(`${server.baseUrl}${REVOKE}`, {
      method: "POST",
      jar: caller,
      json: { filter: {}, except_current: true },
    });
    othersSignedOut = response.body.data?.sessions;

    expect(response.status).toBe(200);
    expect(response.body.data.sessions).toBe(preview.body.data.sessions);
    expect(response.body.data.sessions).toBeGreaterThanOrEqual(3);
    expect(await nextRequestStatus(server.baseUrl, caller, "admin"), "caller").toBe(200);
    expect(await nextRequestStatus(server.baseUrl, otherAdmin, "admin"), "another admin session").toBe(401);
    for (const [index, jar] of users.entries()) {
      expect(await nextRequestStatus(server.baseUrl, jar), `user session ${index}`).toBe(401);
    }
    const active = await getJson(`${server.baseUrl}${ADMIN_SESSIONS}?status=active`, caller);
    expect(active.body.data.sessions).toHaveLength(1);
    expect(active.body.data.sessions[0].is_current).toBe(true);
  });

  it("audit lists events newest first", async () => {
    const signedOut = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    await signOut(server.baseUrl, signedOut);
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);

    const response = await getJson(`${server.baseUrl}${AUDIT}?limit=200`, admin);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const events = response.body.data.events as Array<{
      id: string;
      created_at: string;
      actor: { email: string };
      action: string;
      affected_count: number;
      target: Record<string, unknown>;
    }>;
    expect(response.body.data.next_cursor).toBeNull();

    const times = events.map((event) => Date.parse(event.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const byAction = (action: string) => events.filter((event) => event.action === action);

    expect(byAction("session.sign_out")).toHaveLength(1);
    expect(byAction("session.sign_out")[0]).toMatchObject({ actor: { email: ADMIN.email }, affected_count: 1 });
    expect(byAction("session.sign_out")[0].target.session_ids).toEqual([deletedIds[0]]);
    expect(byAction("user.sign_out_all"), "one event: the dry run is not recorded").toHaveLength(1);
    expect(byAction("user.sign_out_all")[0]).toMatchObject({ actor: { email: ADMIN.email }, affected_count: 2 });
    expect(byAction("sessions.sign_out_filter")).toHaveLength(1);
    expect(byAction("sessions.sign_out_filter")[0]).toMatchObject({ affected_count: 2, target: { filter: { ip: "10.77.0.0/16" } } });
    expect(byAction("sessions.sign_out_others")).toHaveLength(1);
    expect(byAction("sessions.sign_out_others")[0].affected_count).toBe(othersSignedOut);
    expect(byAction("account.sign_out_session")).toHaveLength(1);
    expect(byAction("account.sign_out_session")[0]).toMatchObject({ actor: { email: USERS.self }, affected_count: 1 });
    expect(byAction("account.sign_out_others")).toHaveLength(1);
    expect(byAction("account.sign_out_others")[0]).toMatchObject({ actor: { email: USERS.self }, affected_count: ownOthersSignedOut });
    expect(byAction("admin.sign_in").length).toBeGreaterThanOrEqual(10);
    expect(byAction("admin.sign_out")).toHaveLength(1);
    expect(events[0].action, "newest event").toBe("admin.sign_in");
  });

  it("audit filters by action and actor", async () => {
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);

    const byAction = await getJson(`${server.baseUrl}${AUDIT}?action=session.sign_out`, admin);
    expect(byAction.status).toBe(200);
    expect(byAction.body.data.events.map((event: { action: string }) => event.action)).toEqual(["session.sign_out"]);

    const byActor = await getJson(`${server.baseUrl}${AUDIT}?actor=SELF%40EXAMPLE`, admin);
    expect(byActor.status).toBe(200);
    expect(byActor.body.data.events.map((event: { action: string }) => event.action).sort()).toEqual([
      "account.sign_out_others",
      "account.sign_out_session",
    ]);
    expect(byActor.body.data.events.every((event: { actor: { email: string } }) => event.actor.email === USERS.self)).toBe(true);

    const both = await getJson(`${server.baseUrl}${AUDIT}?actor=self&action=user.sign_out_all`, admin);
    expect(both.body.data.events).toEqual([]);
  });

  it("audit pages with limit 1", async () => {
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    const all = (await getJson(`${server.baseUrl}${AUDIT}?limit=200`, admin)).body.data.events.map((event: { id: string }) => event.id);

    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (; pages < 300; pages += 1) {
      const query: URLSearchParams = new URLSearchParams({ limit: "1", ...(cursor ? { cursor } : {}) });
      const page: JsonResponse = await getJson(`${server.baseUrl}${AUDIT}?${query}`, admin);
      expect(page.status, `page ${pages}`).toBe(200);
      expect(page.body.data.events.length, `page ${pages} size`).toBeLessThanOrEqual(1);
      walked.push(...page.body.data.events.map((event: { id: string }) => event.id));
      cursor = page.body.data.next_cursor;
      if (!cursor) break;
    }

    expect(walked).toEqual(all);
    expect(pages).toBe(all.length - 1);
  });

  it("audit rejects invalid action", async () => {
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);

    const response = await getJson(`${server.baseUrl}${AUDIT}?action=session.delete`, admin);
    const badLimit = await getJson(`${server.baseUrl}${AUDIT}?limit=0`, admin);
    const badCursor = await getJson(`${server.baseUrl}${AUDIT}?cursor=abc`, admin);

    expect(response.status).toBe(422);
    expect(response.body.error.field).toBe("action");
    expect(badLimit.status).toBe(422);
    expect(badLimit.body.error.field).toBe("limit");
    expect(badCursor.status).toBe(422);
    expect(badCursor.body.error.field).toBe("cursor");
  });

  // Runs after the audit tests, whose counts it would change.
  it("concurrent DELETEs return one 200", async () => {
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    const statuses: number[][] = [];
    const auditCounts: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      const user = await signInAs(server.baseUrl, USERS.target);
      const [listed] = await adminListByEmail(server.baseUrl, admin, USERS.target, "active");

      const responses = await Promise.all(
        Array.from({ length: 5 }, () => sendJson(`${server.baseUrl}${ADMIN_SESSIONS}/${listed.id}`, { method: "DELETE", jar: admin })),
      );
      statuses.push(responses.map((response) => response.status).sort());
      expect(await nextRequestStatus(server.baseUrl, user), `round ${round}: signed out`).toBe(401);

      const audit = await getJson(`${server.baseUrl}${AUDIT}?action=session.sign_out&limit=200`, admin);
      const events = audit.body.data.events as Array<{ target: { session_ids: string[] } }>;
      auditCounts.push(events.filter((event) => event.target.session_ids.includes(listed.id)).length);
    }

    expect(statuses).toEqual(statuses.map(() => [200, 409, 409, 409, 409]));
    expect(auditCounts, "audit events per session").toEqual(auditCounts.map(() => 1));
  });
});

describe("session actions while Redis is paused", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    await createUser(database.connection.db, { email: USERS.target, password: PASSWORD, role: "user" });
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("DELETE works on the fallback", { timeout: 90_000 }, async () => {
    const redisServer = await startRedisServer();
    onTestFinished(() => redisServer.stop());
    const prefix = uniquePrefix();
    const server = await startConsoleServer({
      DATABASE_URL: database.url,
      REDIS_URL: redisServer.url,
      REDIS_KEY_PREFIX: prefix,
      SESSION_BACKEND: "redis",
      REDIS_RETRY_INTERVAL_MS: "250",
    });
    onTestFinished(() => server.stop());

    const user = await signInAs(server.baseUrl, USERS.target);
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    const [listed] = await adminListByEmail(server.baseUrl, admin, USERS.target, "active");
    expect(await nextRequestStatus(server.baseUrl, user)).toBe(200);

    redisServer.pause();
    onTestFinished(() => redisServer.resume());
    const deleted = await sendJson(`${server.baseUrl}${ADMIN_SESSIONS}/${listed.id}`, { method: "DELETE", jar: admin });
    expect(deleted.status).toBe(200);
    expect(deleted.ms, "DELETE while Redis is paused").toBeLessThan(3000);
    expect(await nextRequestStatus(server.baseUrl, user), "next request while Redis is paused").toBe(401);
    const statistics = await getJson(`${server.baseUrl}${STATISTICS}`, admin);
    expect(statistics.body.data.fallback_active, "fallback while Redis is paused").toBe(true);

    redisServer.resume();
    let dataSource = "";
    const deadline = Date.now() + 10_000;
    while (dataSource !== "redis" && Date.now() < deadline) {
      await sleep(250);
      dataSource = (await getJson(`${server.baseUrl}${STATISTICS}`, admin)).body.data?.data_source;
    }
    expect(dataSource, "Redis used again after resume").toBe("redis");
    expect(await nextRequestStatus(server.baseUrl, user), "next request after resume").toBe(401);

    // The replay after the outage removed the record from Redis too.
    const [row] = await database.connection.db.select().from(sessions).where(eq(sessions.id, listed.id));
    expect(row.revokedAt).not.toBeNull();
    const client = await connectTestRedis(redisServer.url);
    onTestFinished(() => client.disconnect());
    const [recordKey] = new RedisKeyLayout(prefix).sessionKeys(row.tokenHash, row.userId);
    expect(await client.exists(recordKey)).toBe(0);
  });
});
