import Redis from "ioredis";
import { and, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { describe, expect, it, onTestFinished } from "vitest";

import { sessions } from "@/lib/db/schema";
import { RedisKeyLayout } from "@/lib/sessions/redis-keys";
import { createUser } from "@/lib/users/create-user";

import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, POSTGRES_ADMIN_URL, type TestDatabase } from "../support/databases";
import type { CookieJar } from "../support/http";
import { startRedisServer, type RedisServer } from "../support/redis";
import { startTcpProxy } from "../support/tcp-proxy";
import { describeResults, RequestLog, type TimedResult } from "../support/timed-client";

const USER = { email: "fault-user@example.com", password: "user-password-1" };
const STATISTICS = "/admin/session-health/statistics";
const STATUS = "/admin/session-health/status";
const ME = "/api/me";
const HEALTH = "/api/health";

// Every request must complete within this while a store fails.
const MAX_MS = 2000;
// A request still open at this point is aborted and reported as hanging.
const CLIENT_TIMEOUT_MS = 2500;
// Statistics are counted at most once a second, so waiting this long guarantees a fresh count.
const FRESH_COUNT_WAIT_MS = 1100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One console with its own database, and the sessions the test expects to be live or ended. */
interface Scenario {
  database: TestDatabase;
  server: ConsoleServer;
  log: RequestLog;
  admin: CookieJar;
  live: Map<string, CookieJar>;
  ended: Map<string, CookieJar>;
}

async function startScenario(env: Record<string, string>, proxiedDatabaseUrl?: (url: string) => string): Promise<Scenario> {
  const database = await createTestDatabase();
  onTestFinished(() => database.drop());
  await createUser(database.connection.db, { ...USER, role: "user" });

  const server = await startConsoleServer({
    DATABASE_URL: proxiedDatabaseUrl ? proxiedDatabaseUrl(database.url) : database.url,
    REDIS_RETRY_INTERVAL_MS: "250",
    HISTORY_TIMER: "off",
    ...env,
  });
  onTestFinished(() => server.stop());

  const log = new RequestLog(CLIENT_TIMEOUT_MS);
  const scenario: Scenario = { database, server, log, admin: undefined as unknown as CookieJar, live: new Map(), ended: new Map() };
  scenario.admin = await signInTracked(scenario, ADMIN, "fault-admin");
  return scenario;
}

/** Signs in with a user agent unique to this session, which later finds its row in SQL. */
async function signInTracked(scenario: Scenario, account: { email: string; password: string }, agent: string): Promise<CookieJar> {
  const { jar, result } = await scenario.log.signIn(scenario.server.baseUrl, account, agent);
  expect(jar, `sign-in ${agent}: ${result.status} ${result.location ?? ""}`).not.toBeNull();
  scenario.live.set(agent, jar!);
  return jar!;
}

async function sessionIdOf(database: TestDatabase, agent: string): Promise<string> {
  const rows = await database.connection.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userAgent, agent));
  expect(rows.length, `sessions with user agent ${agent}`).toBe(1);
  return rows[0].id;
}

/** Signs out one session through the admin API, as an admin would. */
async function revokeTracked(scenario: Scenario, agent: string): Promise<TimedResult> {
  const id = await sessionIdOf(scenario.database, agent);
  const result = await scenario.log.send("DELETE /api/admin/sessions/{id}", `${scenario.server.baseUrl}/api/admin/sessions/${id}`, {
    method: "DELETE",
    jar: scenario.admin,
  });
  if (result.status === 200) {
    scenario.ended.set(agent, scenario.live.get(agent)!);
    scenario.live.delete(agent);
  }
  return result;
}

/** Counts the live sessions in SQL, by PostgreSQL's own clock. */
async function countLiveInSql(database: TestDatabase): Promise<number> {
  const [row] = await database.connection.db
    .select({ live: sql<number>`count(*)::int` })
    .from(sessions)
    .where(and(isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)));
  return row.live;
}

function getRoute(scenario: Scenario, path: string, jar?: CookieJar): Promise<TimedResult> {
  return scenario.log.send(`GET ${path}`, `${scenario.server.baseUrl}${path}`, { jar });
}

/** Polls the statistics route until `accept` holds; returns the last response. Every poll is logged. */
async function waitForStatistics(scenario: Scenario, accept: (data: any) => boolean, timeoutMs: number): Promise<TimedResult> {
  const deadline = Date.now() + timeoutMs;
  let result = await getRoute(scenario, STATISTICS, scenario.admin);
  while (!(result.status === 200 && accept(result.body.data)) && Date.now() < deadline) {
    await sleep(200);
    result = await getRoute(scenario, STATISTICS, scenario.admin);
  }
  return result;
}

/**
 * Sends a steady mix of read requests from a few concurrent clients until stopped: session checks
 * with sessions that stay live, dashboard polls of both admin routes, and the open health route.
 */
function startTraffic(scenario: Scenario, jars: CookieJar[], log: RequestLog) {
  let stopped = false;
  const deadline = Date.now() + 120_000;
  const routes = [
    () => log.send(`GET ${ME}`, `${scenario.server.baseUrl}${ME}`, { jar: jars[Math.floor(Math.random() * jars.length)] }),
    () => log.send(`GET ${STATISTICS}`, `${scenario.server.baseUrl}${STATISTICS}`, { jar: scenario.admin }),
    () => log.send(`GET ${STATUS}`, `${scenario.server.baseUrl}${STATUS}`, { jar: scenario.admin }),
    () => log.send(`GET ${HEALTH}`, `${scenario.server.baseUrl}${HEALTH}`),
  ];
  const worker = async () => {
    for (let request = 0; request < 2000 && !stopped && Date.now() < deadline; request += 1) {
      await routes[request % routes.length]();
      await sleep(20);
    }
  };
  const workers = Promise.all([worker(), worker(), worker()]);
  return async () => {
    stopped = true;
    await workers;
  };
}

function expectNoProblems(log: RequestLog, what: string, options: { allowUnavailable?: boolean } = {}) {
  expect(log.results.length, `${what}: requests sent`).toBeGreaterThan(0);
  const problems = log.problems(MAX_MS, options);
  expect(problems, `${what}: requests over ${MAX_MS} ms, failed, or answering 500+:\n${describeResults(problems)}`).toEqual([]);
}

/** Checks every tracked session on its next request, then the counts against the bookkeeping and SQL. */
async function expectSessionsAndCounts(scenario: Scenario, dataSource: "redis" | "database") {
  for (const [agent, jar] of scenario.live) {
    expect((await getRoute(scenario, ME, jar)).status, `GET /api/me of live session ${agent}`).toBe(200);
  }
  for (const [agent, jar] of scenario.ended) {
    expect((await getRoute(scenario, ME, jar)).status, `GET /api/me of signed-out session ${agent}`).toBe(401);
  }

  await sleep(FRESH_COUNT_WAIT_MS);
  const statistics = await getRoute(scenario, STATISTICS, scenario.admin);
  expect(statistics.status).toBe(200);
  expect(statistics.body.data.data_source).toBe(dataSource);
  expect(statistics.body.data.active_sessions, "active sessions against the test's bookkeeping").toBe(scenario.live.size);
  expect(statistics.body.data.active_sessions, "active sessions against SQL").toBe(await countLiveInSql(scenario.database));
}

/** Checks the Redis record of every tracked session: present when live, absent when signed out. */
async function expectRecordsInRedis(scenario: Scenario, redis: RedisServer) {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
  onTestFinished(() => client.disconnect());
  // The console's default key prefix, on a single server (one shard).
  const layout = new RedisKeyLayout("sc");
  const agents = [...scenario.live.keys(), ...scenario.ended.keys()];
  const rows = await scenario.database.connection.db
    .select({ userAgent: sessions.userAgent, tokenHash: sessions.tokenHash, userId: sessions.userId })
    .from(sessions)
    .where(inArray(sessions.userAgent, agents));
  expect(rows.length).toBe(agents.length);
  for (const row of rows) {
    const [recordKey] = layout.sessionKeys(row.tokenHash, row.userId);
    const expected = scenario.live.has(row.userAgent!) ? 1 : 0;
    expect(await client.exists(recordKey), `Redis record of ${row.userAgent}`).toBe(expected);
  }
}

interface RedisOutage {
  name: string;
  extraArgs: string[];
  /** Makes Redis fail; returns a function that ends the outage and returns the server now running. */
  begin(redis: RedisServer): Promise<() => Promise<RedisServer>>;
}

const REDIS_OUTAGES: RedisOutage[] = [
  {
    name: "stopped, then started empty",
    extraArgs: [],
    async begin(redis) {
      await redis.stop();
      return async () => {
        // The same port and no persistence: Redis comes back without any session.
        const restarted = await startRedisServer(redis.port);
        onTestFinished(() => restarted.stop());
        return restarted;
      };
    },
  },
  {
    name: "frozen with open connections",
    extraArgs: [],
    async begin(redis) {
      redis.pause();
      return async () => {
        redis.resume();
        return redis;
      };
    },
  },
  {
    name: "answering slowly (DEBUG SLEEP)",
    extraArgs: ["--enable-debug-command", "yes"],
    async begin(redis) {
      const client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
      // Blocks the whole server for 6 s; the reply arrives when the sleep ends.
      const sleeping = client.call("DEBUG", "SLEEP", "6");
      await sleep(100);
      return async () => {
        await sleeping;
        client.disconnect();
        return redis;
      };
    },
  },
];

describe("Redis failing during a run of requests", () => {
  it.each(REDIS_OUTAGES)("Redis $name", { timeout: 90_000 }, async (outage) => {
    const redis = await startRedisServer(undefined, outage.extraArgs);
    onTestFinished(() => redis.stop());
    const scenario = await startScenario({ REDIS_URL: redis.url });
    const steady = [scenario.admin];
    for (let index = 0; index < 3; index += 1) {
      steady.push(await signInTracked(scenario, USER, `before-${index}`));
    }
    await signInTracked(scenario, USER, "revoked-before");
    await signInTracked(scenario, USER, "revoked-during");
    expect((await revokeTracked(scenario, "revoked-before")).status).toBe(200);

    const trafficLog = new RequestLog(CLIENT_TIMEOUT_MS);
    const stopTraffic = startTraffic(scenario, steady, trafficLog);
    await sleep(1000);

    const endOutage = await outage.begin(redis);

    // The fallback takes over and reports itself.
    const fallback = await waitForStatistics(scenario, (data) => data.fallback_active === true, 3000);
    expect(fallback.status).toBe(200);
    expect(fallback.body.data).toMatchObject({ session_manager_type: "redis", data_source: "database", fallback_active: true });
    expect(fallback.body.data.fallback_reason).toEqual(expect.any(String));
    const degraded = await getRoute(scenario, STATUS, scenario.admin);
    expect(degraded.status).toBe(200);
    expect(degraded.body.data.status).toBe("degraded");
    expect(degraded.body.data.fallback_active).toBe(true);
    expect(degraded.body.data.checks.redis.status).toBe("down");
    expect(degraded.body.data.checks.redis.error).toEqual(expect.any(String));

    // Sign-ins and a sign-out during the outage go to PostgreSQL.
    await signInTracked(scenario, USER, "during-0");
    await signInTracked(scenario, ADMIN, "during-1");
    expect((await revokeTracked(scenario, "revoked-during")).status).toBe(200);
    expect((await getRoute(scenario, ME, scenario.live.get("during-0"))).status).toBe(200);

    const restarted = await endOutage();

    const recovered = await waitForStatistics(scenario, (data) => data.data_source === "redis", 10_000);
    expect(recovered.body.data.data_source, "statistics back on Redis").toBe("redis");
    expect(recovered.body.data.fallback_active).toBe(false);
    expect(recovered.body.data.fallback_reason).toBeNull();
    await stopTraffic();

    await expectSessionsAndCounts(scenario, "redis");
    const healthy = await getRoute(scenario, STATUS, scenario.admin);
    expect(healthy.body.data.status).toBe("healthy");

    // Redis itself contains every live session again, including the ones created during the outage.
    await expectRecordsInRedis(scenario, restarted);

    expectNoProblems(scenario.log, "requests of the test");
    expectNoProblems(trafficLog, "background traffic");
  });

  it("Redis restarted empty between requests", { timeout: 60_000 }, async () => {
    const redis = await startRedisServer();
    onTestFinished(() => redis.stop());
    const scenario = await startScenario({ REDIS_URL: redis.url });
    for (let index = 0; index < 3; index += 1) {
      await signInTracked(scenario, USER, `before-${index}`);
    }
    await signInTracked(scenario, USER, "revoked-before");
    expect((await revokeTracked(scenario, "revoked-before")).status).toBe(200);
    const before = await waitForStatistics(scenario, (data) => data.active_sessions === scenario.live.size, 3000);
    expect(before.body.data.data_source).toBe("redis");

    // No request arrives while Redis is down: the console only notices a connection that closed
    // and reconnected to a Redis without any session.
    await redis.stop();
    const restarted = await startRedisServer(redis.port);
    onTestFinished(() => restarted.stop());
    const observer = new Redis(restarted.url, { maxRetriesPerRequest: 0 });
    onTestFinished(() => observer.disconnect());
    // The console's client sends INFO as its ready check when it connects; nothing else here does.
    const consoleConnected = async () => ((await observer.client("LIST")) as string).includes("cmd=info");
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !(await consoleConnected())) {
      await sleep(50);
    }
    expect(await consoleConnected(), "the console reconnected").toBe(true);
    expect(await observer.dbsize()).toBe(0);

    // Sessions lost from Redis but present in PostgreSQL are rebuilt, not signed out.
    for (const [agent, jar] of scenario.live) {
      const me = await getRoute(scenario, ME, jar);
      expect(me.status, `GET /api/me of ${agent} after the restart`).toBe(200);
    }

    const recovered = await waitForStatistics(scenario, (data) => data.data_source === "redis", 10_000);
    expect(recovered.body.data.fallback_active).toBe(false);
    await expectSessionsAndCounts(scenario, "redis");
    await expectRecordsInRedis(scenario, restarted);
    expectNoProblems(scenario.log, "requests of the test");
  });
});

/** Starts a console whose PostgreSQL connection goes through a proxy that the test can cut and restore. */
async function startBehindDatabaseProxy(env: Record<string, string>) {
  const proxy = await startTcpProxy(Number(new URL(POSTGRES_ADMIN_URL).port || 5432));
  onTestFinished(() => proxy.close());
  const scenario = await startScenario(env, (url) => {
    const viaProxy = new URL(url);
    viaProxy.port = String(proxy.port);
    return viaProxy.toString();
  });
  return { proxy, scenario };
}

describe("PostgreSQL stopped and restarted", () => {
  it("PostgreSQL outage in Redis mode", { timeout: 60_000 }, async () => {
    const redis = await startRedisServer();
    onTestFinished(() => redis.stop());
    const { proxy, scenario } = await startBehindDatabaseProxy({ REDIS_URL: redis.url });
    const steady = [scenario.admin, await signInTracked(scenario, USER, "before-0")];
    await signInTracked(scenario, USER, "revoke-target");
    const trafficLog = new RequestLog(CLIENT_TIMEOUT_MS);
    const stopTraffic = startTraffic(scenario, steady, trafficLog);
    await sleep(1000);

    await proxy.cut();
    const outageLog = new RequestLog(CLIENT_TIMEOUT_MS);
    const base = scenario.server.baseUrl;

    // Redis still validates sessions and counts them.
    expect((await outageLog.send(`GET ${ME}`, `${base}${ME}`, { jar: steady[1] })).status).toBe(200);
    const counted = await outageLog.send(`GET ${STATISTICS}`, `${base}${STATISTICS}`, { jar: scenario.admin });
    expect(counted.status).toBe(200);
    expect(counted.body.data).toMatchObject({ data_source: "redis", fallback_active: false });
    const degraded = await outageLog.send(`GET ${STATUS}`, `${base}${STATUS}`, { jar: scenario.admin });
    expect(degraded.status).toBe(200);
    expect(degraded.body.data.status).toBe("degraded");
    expect(degraded.body.data.checks.database.status).toBe("down");
    expect((await outageLog.send(`GET ${HEALTH}`, `${base}${HEALTH}`)).status).toBe(200);

    // Users are read from PostgreSQL: sign-in is rejected with a reason, not a 500.
    const { jar, result } = await outageLog.signIn(base, USER, "during-outage");
    expect(jar).toBeNull();
    expect(result.status).toBe(302);
    expect(result.location).toContain("error=SignInUnavailable");

    // The admin API finds sessions by id in PostgreSQL: an explained 503.
    const id = await sessionIdOf(scenario.database, "revoke-target");
    const rejected = await outageLog.send("DELETE /api/admin/sessions/{id}", `${base}/api/admin/sessions/${id}`, {
      method: "DELETE",
      jar: scenario.admin,
    });
    expect(rejected.status).toBe(503);
    expect(rejected.body.error.code).toBe("store_unavailable");

    await proxy.restore();

    const deadline = Date.now() + 10_000;
    let status = await getRoute(scenario, STATUS, scenario.admin);
    while (status.body?.data?.status !== "healthy" && Date.now() < deadline) {
      await sleep(250);
      status = await getRoute(scenario, STATUS, scenario.admin);
    }
    expect(status.body.data.status, "status after PostgreSQL is back").toBe("healthy");
    await stopTraffic();

    await signInTracked(scenario, USER, "after-outage");
    expect((await revokeTracked(scenario, "revoke-target")).status).toBe(200);
    await expectSessionsAndCounts(scenario, "redis");

    expectNoProblems(outageLog, "requests during the outage", { allowUnavailable: true });
    expectNoProblems(scenario.log, "requests of the test");
    expectNoProblems(trafficLog, "background traffic");
  });

  it("PostgreSQL outage in database mode", { timeout: 60_000 }, async () => {
    const { proxy, scenario } = await startBehindDatabaseProxy({ SESSION_BACKEND: "database" });
    const steady = [scenario.admin, await signInTracked(scenario, USER, "before-0")];
    await signInTracked(scenario, USER, "revoke-target");
    const trafficLog = new RequestLog(CLIENT_TIMEOUT_MS);
    const stopTraffic = startTraffic(scenario, steady, trafficLog);
    await sleep(1000);

    await proxy.cut();
    const outageLog = new RequestLog(CLIENT_TIMEOUT_MS);
    const base = scenario.server.baseUrl;

    // With the only store down, no session can be checked: every signed-in route, the status
    // route included, returns 503 store_unavailable before its handler runs. The open route works.
    const me = await outageLog.send(`GET ${ME}`, `${base}${ME}`, { jar: steady[1] });
    expect(me.status).toBe(503);
    expect(me.body.error.code).toBe("store_unavailable");
    await sleep(FRESH_COUNT_WAIT_MS);
    const statistics = await outageLog.send(`GET ${STATISTICS}`, `${base}${STATISTICS}`, { jar: scenario.admin });
    expect(statistics.status).toBe(503);
    expect(statistics.body.error.code).toBe("store_unavailable");
    const status = await outageLog.send(`GET ${STATUS}`, `${base}${STATUS}`, { jar: scenario.admin });
    expect(status.status).toBe(503);
    expect(status.body.error.code).toBe("store_unavailable");
    expect((await outageLog.send(`GET ${HEALTH}`, `${base}${HEALTH}`)).status).toBe(200);
    const { jar, result } = await outageLog.signIn(base, USER, "during-outage");
    expect(jar).toBeNull();
    expect(result.status).toBe(302);
    expect(result.location).toContain("error=SignInUnavailable");

    await proxy.restore();

    const recovered = await waitForStatistics(scenario, () => true, 10_000);
    expect(recovered.status, "statistics after PostgreSQL is back").toBe(200);
    await stopTraffic();

    await signInTracked(scenario, USER, "after-outage");
    expect((await revokeTracked(scenario, "revoke-target")).status).toBe(200);
    await expectSessionsAndCounts(scenario, "database");
    const healthy = await getRoute(scenario, STATUS, scenario.admin);
    expect(healthy.body.data.status).toBe("healthy");

    expectNoProblems(outageLog, "requests during the outage", { allowUnavailable: true });
    expectNoProblems(scenario.log, "requests of the test");
    expectNoProblems(trafficLog, "background traffic", { allowUnavailable: true });
  });
});
