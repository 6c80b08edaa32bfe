import path from "node:path";

import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";

import { sessions } from "@/lib/db/schema";

import { ADMIN, startConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { getJson, signIn, type CookieJar } from "../support/http";
import { startRedisServer } from "../support/redis";

const PRELOAD = path.join(process.cwd(), "tests/support/shift-clock.cjs");
const STATISTICS = "/admin/session-health/statistics";
const STATUS = "/admin/session-health/status";
// The smallest idle timeout lib/env.ts accepts. The maximum age stays long, so that the JWT in
// the cookie (which next-auth dates with the app clock) outlives the session record.
const IDLE_TIMEOUT_SECONDS = 60;
// Statistics are counted at most once a second, so waiting this long guarantees a fresh count.
const FRESH_COUNT_WAIT_MS = 1100;
// How far the app's and the stores' clocks may differ from the test's and still count as the same clock.
const SAME_CLOCK_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ClockCase {
  mode: string;
  redis: boolean;
  offsetMinutes: number;
}

const CASES: ClockCase[] = [
  { mode: "Redis mode", redis: true, offsetMinutes: 4 },
  { mode: "Redis mode", redis: true, offsetMinutes: -4 },
  { mode: "database mode", redis: false, offsetMinutes: 4 },
  { mode: "database mode", redis: false, offsetMinutes: -4 },
];

async function sessionRow(database: TestDatabase, agent: string) {
  const [row] = await database.connection.db.select().from(sessions).where(eq(sessions.userAgent, agent));
  return row;
}

/** Counts the live sessions in SQL, by PostgreSQL's own clock. */
async function countLiveInSql(database: TestDatabase): Promise<number> {
  const [row] = await database.connection.db
    .select({ live: sql<number>`count(*)::int` })
    .from(sessions)
    .where(and(isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)));
  return row.live;
}

async function signInAdmin(baseUrl: string, agent: string): Promise<CookieJar> {
  const jar = await signIn(baseUrl, ADMIN.email, ADMIN.password, agent);
  expect(jar, `sign-in ${agent}`).not.toBeNull();
  return jar!;
}

// The four servers wait out the same idle timeout side by side.
describe.concurrent("app clock off the store clocks", () => {
  // Concurrent tests must register their cleanup through their own context.
  it.for(CASES)("$mode, app clock $offsetMinutes min", { timeout: 150_000 }, async ({ redis, offsetMinutes }, { expect, onTestFinished }) => {
    const database = await createTestDatabase();
    onTestFinished(() => database.drop());
    const [{ timeZone }] = await database.connection.db.select({ timeZone: sql<string>`current_setting('TimeZone')` }).from(sql`(select 1) as clock`);
    expect(timeZone, "PostgreSQL's time zone differs from the app's").not.toBe("Asia/Karachi");

    const storeEnv: Record<string, string> = { SESSION_BACKEND: "database" };
    if (redis) {
      const redisServer = await startRedisServer();
      onTestFinished(() => redisServer.stop());
      storeEnv.SESSION_BACKEND = "redis";
      storeEnv.REDIS_URL = redisServer.url;
    }
    const offsetMs = offsetMinutes * 60_000;
    const server = await startConsoleServer({
      DATABASE_URL: database.url,
      ...storeEnv,
      TZ: "Asia/Karachi",
      NODE_OPTIONS: `--require ${PRELOAD}`,
      TEST_CLOCK_OFFSET_MS: String(offsetMs),
      SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_TIMEOUT_SECONDS),
      SESSION_MAX_AGE_SECONDS: "3600",
    });
    onTestFinished(() => server.stop());

    const first = await signInAdmin(server.baseUrl, "clock-first");

    // The status route stamps its response with the app clock, the statistics with the store clock.
    const status = await getJson(`${server.baseUrl}${STATUS}`, first);
    expect(status.status).toBe(200);
    expect(Math.abs(Date.parse(status.body.data.checked_at) - (Date.now() + offsetMs)), "app clock shifted").toBeLessThan(SAME_CLOCK_MS);
    const before = await getJson(`${server.baseUrl}${STATISTICS}`, first);
    expect(before.status).toBe(200);
    expect(before.body.data.data_source).toBe(redis ? "redis" : "database");
    expect(Math.abs(Date.parse(before.body.data.generated_at) - Date.now()), "counted by the store clock").toBeLessThan(SAME_CLOCK_MS);
    expect(before.body.data.active_sessions).toBe(await countLiveInSql(database));
    expect(before.body.data.active_sessions).toBe(1);

    // The session's times come from the database clock, and GET /api/me returns them.
    const row = await sessionRow(database, "clock-first");
    expect(Math.abs(row.createdAt.getTime() - Date.now()), "created_at by the database clock").toBeLessThan(SAME_CLOCK_MS);
    expect(row.expiresAt.getTime() - row.lastSeenAt.getTime()).toBe(IDLE_TIMEOUT_SECONDS * 1000);
    const me = await getJson(`${server.baseUrl}/api/me`, first);
    expect(me.status).toBe(200);
    expect(Date.parse(me.body.data.session.expires_at)).toBe(row.expiresAt.getTime());

    // Wait until the stores' clock has passed the idle expiry, whatever the app clock reads.
    await sleep(Math.max(row.expiresAt.getTime() + 1000 - Date.now(), 0));
    expect(await countLiveInSql(database)).toBe(0);
    expect((await getJson(`${server.baseUrl}/api/me`, first)).status, "the idle session after its expiry").toBe(401);

    const second = await signInAdmin(server.baseUrl, "clock-second");
    await sleep(FRESH_COUNT_WAIT_MS);
    const after = await getJson(`${server.baseUrl}${STATISTICS}`, second);
    expect(after.status).toBe(200);
    expect(after.body.data.active_sessions).toBe(1);
    expect(after.body.data.active_sessions).toBe(await countLiveInSql(database));
    expect(after.body.data.active_users).toBe(1);
  });
});
