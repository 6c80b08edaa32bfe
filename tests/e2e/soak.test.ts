import { readFileSync } from "node:fs";

import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { expect, it, onTestFinished } from "vitest";

import { sessions } from "@/lib/db/schema";
import { createUser } from "@/lib/users/create-user";

import { ADMIN, startConsoleServer } from "../support/console-server";
import { createTestDatabase } from "../support/databases";
import type { CookieJar } from "../support/http";
import { startRedisServer } from "../support/redis";
import { describeResults, RequestLog, type TimedResult } from "../support/timed-client";

// SOAK_SECONDS sets the length of the load; CI may shorten it.
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? "120");
const CLIENTS = 8;
const USERS = 5;
const PASSWORD = "soak-password-1";
const SAMPLE_INTERVAL_MS = 2000;
// Memory samples after the warm-up fall into this many windows; the last three are the last third.
const WINDOWS = 9;
// A request still open after this long counts as an error.
const CLIENT_TIMEOUT_MS = 10_000;
// Memory after the warm-up is the baseline; the end may exceed it by this much at most.
const MAX_RSS_GROWTH_MB = 150;
// When the floors of the last third each rise, the last may exceed every earlier floor by this
// much: floors of runs without a leak wander by about 100 MB (measured on 2 cores).
const MAX_STEADY_RISE_MB = 50;
const STATISTICS = "/admin/session-health/statistics";
const STATUS = "/admin/session-health/status";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of a process in MB, from /proc (Linux). */
function readRssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** The sessions one client has opened: the admin session it polls and revokes with, and user sessions. */
interface ClientState {
  admin: CookieJar;
  live: Map<string, CookieJar>;
  ended: Map<string, CookieJar>;
  signIns: number;
}

it("soak of mixed session traffic", { timeout: SOAK_SECONDS * 1000 + 180_000 }, async () => {
  expect(SOAK_SECONDS, "SOAK_SECONDS (enough for nine memory windows)").toBeGreaterThanOrEqual(30);
  const database = await createTestDatabase();
  onTestFinished(() => database.drop());
  const users = Array.from({ length: USERS }, (_, index) => ({ email: `soak-${index}@example.com`, password: PASSWORD }));
  for (const user of users) {
    await createUser(database.connection.db, { ...user, role: "user" });
  }
  const redis = await startRedisServer();
  onTestFinished(() => redis.stop());
  const server = await startConsoleServer({ DATABASE_URL: database.url, REDIS_URL: redis.url });
  onTestFinished(() => server.stop());

  const base = server.baseUrl;
  const log = new RequestLog(CLIENT_TIMEOUT_MS);
  const unexpected: Array<{ result: TimedResult; expected: number }> = [];
  const check = (result: TimedResult, expected: number) => {
    if (result.status !== expected) unexpected.push({ result, expected });
    return result;
  };

  const signInTracked = async (client: ClientState, account: { email: string; password: string }, agent: string) => {
    const { jar, result } = await log.signIn(base, account, agent);
    if (!jar) {
      unexpected.push({ result, expected: 302 });
      return null;
    }
    client.signIns += 1;
    return jar;
  };

  const sessionIdOf = async (agent: string) => {
    const [row] = await database.connection.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userAgent, agent));
    return row.id;
  };

  const clients: ClientState[] = [];
  for (let index = 0; index < CLIENTS; index += 1) {
    const client: ClientState = { admin: undefined as unknown as CookieJar, live: new Map(), ended: new Map(), signIns: 0 };
    const admin = await signInTracked(client, ADMIN, `soak-admin-${index}`);
    expect(admin, `admin sign-in of client ${index}`).not.toBeNull();
    client.admin = admin!;
    clients.push(client);
  }

  const pickLive = (client: ClientState) => {
    const agents = [...client.live.keys()];
    return agents.length === 0 ? null : agents[Math.floor(Math.random() * agents.length)];
  };

  // One step of a client: mostly session checks and dashboard polls, some sign-ins and sign-outs.
  const step = async (client: ClientState, clientIndex: number, stepIndex: number) => {
    const roll = Math.random();
    const agent = pickLive(client);
    if (roll < 0.12 || agent === null) {
      const newAgent = `soak-${clientIndex}-${stepIndex}`;
      const jar = await signInTracked(client, users[stepIndex % users.length], newAgent);
      if (jar) client.live.set(newAgent, jar);
    } else if (roll < 0.55) {
      check(await log.send("GET /api/me", `${base}/api/me`, { jar: client.live.get(agent) }), 200);
    } else if (roll < 0.8) {
      check(await log.send(`GET ${STATISTICS}`, `${base}${STATISTICS}`, { jar: client.admin }), 200);
    } else if (roll < 0.85) {
      check(await log.send(`GET ${STATUS}`, `${base}${STATUS}`, { jar: client.admin }), 200);
    } else {
      const jar = client.live.get(agent)!;
      const id = await sessionIdOf(agent);
      const revoked = check(
        await log.send("DELETE /api/admin/sessions/{id}", `${base}/api/admin/sessions/${id}`, { method: "DELETE", jar: client.admin }),
        200,
      );
      if (revoked.status === 200) {
        client.live.delete(agent);
        client.ended.set(agent, jar);
        check(await log.send("GET /api/me (signed out)", `${base}/api/me`, { jar }), 401);
      }
    }
  };

  const samples: Array<{ atMs: number; rssMb: number }> = [];
  const startedAt = Date.now();
  const deadline = startedAt + SOAK_SECONDS * 1000;
  let running = true;
  const sampler = (async () => {
    for (let sample = 0; sample < 10_000 && running; sample += 1) {
      samples.push({ atMs: Date.now() - startedAt, rssMb: readRssMb(server.pid) });
      await sleep(SAMPLE_INTERVAL_MS);
    }
  })();

  await Promise.all(
    clients.map(async (client, clientIndex) => {
      for (let stepIndex = 0; stepIndex < 1_000_000 && Date.now() < deadline; stepIndex += 1) {
        await step(client, clientIndex, stepIndex);
      }
    }),
  );
  running = false;
  await sampler;

  const failures = log.problems(Number.POSITIVE_INFINITY);
  expect(failures, `requests that failed or answered 500+:\n${describeResults(failures)}`).toEqual([]);
  expect(
    unexpected.map(({ result, expected }) => `${result.label}: ${result.status}, expected ${expected}`),
    "requests with an unexpected status",
  ).toEqual([]);

  // Counts: the clients' own bookkeeping, the statistics route (Redis) and SQL agree exactly.
  await sleep(1100);
  const expectedLive = clients.reduce((sum, client) => sum + 1 + client.live.size, 0);
  const statistics = await log.send(`GET ${STATISTICS}`, `${base}${STATISTICS}`, { jar: clients[0].admin });
  expect(statistics.status).toBe(200);
  expect(statistics.body.data.data_source).toBe("redis");
  // Index entries flagged as orphans are left out of the counts; a healthy run has none.
  expect(statistics.body.data.store_anomalies.orphan_index_entries).toBe(0);
  const [sqlCount] = await database.connection.db
    .select({ live: sql<number>`count(*)::int` })
    .from(sessions)
    .where(and(isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)));
  expect(statistics.body.data.active_sessions, "active sessions against the clients' bookkeeping").toBe(expectedLive);
  expect(statistics.body.data.active_sessions, "active sessions against SQL").toBe(sqlCount.live);
  const signIns = clients.reduce((sum, client) => sum + client.signIns, 0);
  expect(statistics.body.data.total_sessions).toBeGreaterThanOrEqual(expectedLive);

  // Memory, after a warm-up of the first quarter. Each scrypt hash of a sign-in briefly takes
  // 32 MiB, so single samples jump by 100 MB or more. The floor (minimum) of each of nine windows
  // shows what the process keeps.
  const warmedUp = samples.filter((sample) => sample.atMs >= (SOAK_SECONDS * 1000) / 4);
  expect(warmedUp.length, "memory samples after the warm-up").toBeGreaterThanOrEqual(WINDOWS);
  const windowSize = Math.floor(warmedUp.length / WINDOWS);
  const floors = Array.from({ length: WINDOWS }, (_, index) => {
    const window = warmedUp.slice(index * windowSize, index === WINDOWS - 1 ? undefined : (index + 1) * windowSize);
    return Math.min(...window.map((sample) => sample.rssMb));
  });
  const lastThird = floors.slice((WINDOWS * 2) / 3);
  const risesEveryWindow = lastThird.every((floor, index) => index === 0 || floor > lastThird[index - 1]);
  // A leak also lifts the last floor above every earlier one; noise alone rarely does both.
  const lastThirdRise = lastThird[lastThird.length - 1] - Math.max(...floors.slice(0, (WINDOWS * 2) / 3));
  const summary = `RSS floors in MB: ${floors.map((floor) => Math.round(floor)).join(", ")}; samples: ${samples
    .map((sample) => `${Math.round(sample.atMs / 1000)}s=${Math.round(sample.rssMb)}`)
    .join(" ")}`;
  console.info(`soak: ${log.results.length} requests, ${signIns} sign-ins, ${expectedLive} live at the end. ${summary}`);
  expect(floors[WINDOWS - 1] - floors[0], `RSS growth after the warm-up. ${summary}`).toBeLessThan(MAX_RSS_GROWTH_MB);
  if (risesEveryWindow) {
    expect(lastThirdRise, `RSS rising steadily over the last third. ${summary}`).toBeLessThanOrEqual(MAX_STEADY_RISE_MB);
  }
});
