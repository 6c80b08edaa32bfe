import { eq, isNull } from "drizzle-orm";
import type Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sessions, users } from "@/lib/db/schema";
import { RedisKeyLayout } from "@/lib/sessions/redis-keys";
import { createUser } from "@/lib/users/create-user";

import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { getJson, signIn, type CookieJar } from "../support/http";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, uniquePrefix } from "../support/redis";
import { sendJson } from "../support/requests";

const PASSWORD = "user-password-1";
const REPAIR = "/api/admin/store-repair";
const STATISTICS = "/admin/session-health/statistics";
// One damaged session of each kind, and one bystander whose session is left alone.
const USER_EMAILS = ["repair-a@example.com", "repair-b@example.com", "repair-c@example.com", "repair-d@example.com", "bystander@example.com"];

async function signInAs(baseUrl: string, email: string, password = PASSWORD): Promise<CookieJar> {
  const jar = await signIn(baseUrl, email, password);
  expect(jar, `sign-in of ${email}`).not.toBeNull();
  return jar!;
}

/** Returns the Redis record key of each live session, by the email of its user (one session each). */
async function recordKeysByEmail(redis: Redis, layout: RedisKeyLayout, database: TestDatabase): Promise<Map<string, string>> {
  const rows = await database.connection.db
    .select({ email: users.email, tokenHash: sessions.tokenHash, userId: sessions.userId })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(isNull(sessions.revokedAt));
  const keys = new Map<string, string>();
  for (const row of rows) keys.set(row.email, layout.sessionKeys(row.tokenHash, row.userId)[0]);
  expect(await redis.exists(...keys.values())).toBe(keys.size);
  return keys;
}

describe("repair of the Redis session index", () => {
  let database: TestDatabase;
  let server: ConsoleServer;
  let redis: Redis;
  let prefix: string;
  let admin: CookieJar;
  const userJars = new Map<string, CookieJar>();
  let strayKey = "";

  beforeAll(async () => {
    database = await createTestDatabase();
    for (const email of USER_EMAILS) {
      await createUser(database.connection.db, { email, password: PASSWORD, role: "user" });
    }
    redis = await connectTestRedis();
    prefix = uniquePrefix();
    server = await startConsoleServer({
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      SESSION_BACKEND: "redis",
    });

    admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);
    for (const email of USER_EMAILS) userJars.set(email, await signInAs(server.baseUrl, email));

    // Damage one session of each kind behind the console's back.
    const layout = new RedisKeyLayout(prefix, 1);
    const keys = await recordKeysByEmail(redis, layout, database);
    const [unreadable, withoutTtl, orphaned, unindexed] = USER_EMAILS.map((email) => keys.get(email)!);
    await redis.set(unreadable, "{not a session record", "KEEPTTL");
    await redis.persist(withoutTtl);
    await redis.del(orphaned);
    await redis.zrem(layout.shard(0).expiryIndex, layout.parseRecordKey(unindexed)!.member);
    // A record PostgreSQL has never heard of, with no index entry: it must not survive the repair.
    strayKey = `{${prefix}:0}:s:strayrecord1`;
    await redis.set(strayKey, await redis.get(keys.get(ADMIN.email)!) as string, "PX", 600_000);
  });

  afterAll(async () => {
    await server?.stop();
    if (redis) {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    }
    await database?.drop();
  });

  it("dry run lists the work, changes nothing", async () => {
    const keysBefore = (await redis.keys(`{${prefix}:*`)).sort();

    const response = await sendJson(`${server.baseUrl}${REPAIR}`, { method: "POST", jar: admin, json: {} });

    expect(response.status).toBe(200);
    const report = response.body.data;
    expect(report.dry_run).toBe(true);
    expect(report.done).toBeNull();
    expect(report.found.unreadable_values).toBe(1);
    expect(report.found.keys_without_ttl).toBe(1);
    expect(report.found.orphan_index_entries).toBe(1);
    expect(report.found.unindexed_records).toBe(2);
    expect(report.plan.delete_unreadable_records).toBe(1);
    expect(report.plan.remove_orphan_index_entries).toBe(1);
    expect(report.plan.restore_ttls).toBe(1);
    expect(report.plan.check_unindexed_records).toBe(2);
    expect(report.plan.rewrite_live_sessions).toBe(USER_EMAILS.length + 1);
    expect((await redis.keys(`{${prefix}:*`)).sort()).toEqual(keysBefore);
    expect(await redis.exists(strayKey)).toBe(1);
  });

  it("rejects a dry_run that is not a boolean", async () => {
    const response = await sendJson(`${server.baseUrl}${REPAIR}`, { method: "POST", jar: admin, json: { dry_run: "no" } });

    expect(response.status).toBe(422);
    expect(response.body.error.field).toBe("dry_run");
  });

  it("rejects a plain user", async () => {
    const response = await sendJson(`${server.baseUrl}${REPAIR}`, { method: "POST", jar: userJars.get(USER_EMAILS[4]), json: {} });

    expect(response.status).toBe(403);
  });

  it("repairs, keeps every session, audits", async () => {
    const response = await sendJson(`${server.baseUrl}${REPAIR}`, { method: "POST", jar: admin, json: { dry_run: false } });

    expect(response.status).toBe(200);
    const report = response.body.data;
    expect(report.dry_run).toBe(false);
    expect(report.done.deleted_unreadable_records).toBe(1);
    expect(report.done.removed_orphan_index_entries).toBe(1);
    expect(report.done.restored_ttls).toBe(1);
    expect(report.done.rewritten_sessions).toBe(USER_EMAILS.length + 1);
    expect(report.done.deleted_unknown_records).toBe(1);
    expect(report.after.status).toBe("ok");
    expect(await redis.exists(strayKey)).toBe(0);

    // Every session in PostgreSQL works again, the damaged ones included, and is counted.
    for (const [email, jar] of userJars) {
      expect((await getJson(`${server.baseUrl}/api/account/sessions`, jar)).status, email).toBe(200);
    }
    const statistics = await getJson(`${server.baseUrl}${STATISTICS}`, admin);
    expect(statistics.body.data.active_sessions).toBe(USER_EMAILS.length + 1);
    expect(statistics.body.data.store_anomalies.status).toBe("ok");

    const audit = await getJson(`${server.baseUrl}/api/admin/audit?action=redis.repair_index`, admin);
    expect(audit.status).toBe(200);
    expect(audit.body.data.events).toHaveLength(1);
    expect(audit.body.data.events[0].affected_count).toBe(4);
  });
});

describe("repair in database mode", () => {
  let database: TestDatabase;
  let server: ConsoleServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startConsoleServer({ DATABASE_URL: database.url, SESSION_BACKEND: "database" });
  });

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it("answers 409: no Redis index", async () => {
    const admin = await signInAs(server.baseUrl, ADMIN.email, ADMIN.password);

    const response = await sendJson(`${server.baseUrl}${REPAIR}`, { method: "POST", jar: admin, json: { dry_run: true } });

    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe("conflict");
  });
});
