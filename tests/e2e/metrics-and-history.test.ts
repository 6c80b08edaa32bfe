import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { findUserByEmail } from "@/lib/db/queries/users";
import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { generateSessionToken, hashSessionToken } from "@/lib/sessions/token";

import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { getJson, signIn, type CookieJar } from "../support/http";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, uniquePrefix } from "../support/redis";

const METRICS_TOKEN = "metrics-token-for-tests-0123456789";
const CRON_SECRET = "cron-secret-for-tests-0123456789";

let database: TestDatabase;
let prefix: string;
let server: ConsoleServer;
let admin: CookieJar;

beforeAll(async () => {
  database = await createTestDatabase();
  prefix = uniquePrefix();
  server = await startConsoleServer({
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    METRICS_TOKEN,
    CRON_SECRET,
    HISTORY_TIMER: "off",
  });
  admin = (await signIn(server.baseUrl, ADMIN.email, ADMIN.password))!;
});

afterAll(async () => {
  await server?.stop();
  const redis = await connectTestRedis();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await database?.drop();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the Prometheus text format strictly: every line is a comment (# HELP, # TYPE) or a
 * sample `name{labels} value`, every sample's family has a TYPE line, and values are numbers.
 */
function parseExposition(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const typeLine = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (typeLine) {
      types.set(typeLine[1], typeLine[2]);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;

    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!sample) throw new Error(`not a valid exposition line: ${JSON.stringify(line)}`);
    const family = sample[1].replace(/_(bucket|sum|count)$/, "");
    if (!types.has(sample[1]) && !types.has(family)) throw new Error(`sample without a TYPE line: ${sample[1]}`);

    const labels: Record<string, string> = {};
    for (const pair of (sample[3] ?? "").split(",").filter(Boolean)) {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/.exec(pair);
      if (!label) throw new Error(`invalid label ${JSON.stringify(pair)} in ${JSON.stringify(line)}`);
      labels[label[1]] = label[2];
    }
    samples.push({ name: sample[1], labels, value: Number(sample[4]) });
  }
  return samples;
}

describe("metrics endpoint", () => {
  it("rejects a request without the token", async () => {
    const response = await fetch(`${server.baseUrl}/api/metrics`);

    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe("unauthorized");
  });

  it("parses as valid exposition and matches the statistics route", async () => {
    const statistics = await getJson(`${server.baseUrl}/admin/session-health/statistics`, admin);
    const response = await fetch(`${server.baseUrl}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    const samples = parseExposition(text);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, expected]) => sample.labels[key] === expected))?.value;

    expect(value("session_active")).toBe(statistics.body.data.active_sessions);
    expect(value("session_active_users")).toBe(statistics.body.data.active_users);
    expect(value("session_stored")).toBe(statistics.body.data.total_sessions);
    expect(value("session_expired")).toBe(statistics.body.data.expired_sessions);
    expect(value("session_store_fallback_active")).toBe(0);
    expect(value("session_store_up", { store: "redis" })).toBe(1);
    expect(value("session_store_up", { store: "database" })).toBe(1);
    expect(value("session_sign_ins_total")).toBeGreaterThanOrEqual(1);
    expect(value("session_redis_used_memory_bytes")).toBeGreaterThan(0);
    expect(value("session_store_operation_seconds_count", { operation: "validate", store: "redis" })).toBeGreaterThanOrEqual(1);
  });
});

describe("history cron route", () => {
  it("rejects a wrong secret", async () => {
    const response = await fetch(`${server.baseUrl}/api/cron/history`, { headers: { authorization: "Bearer wrong" } });
    expect(response.status).toBe(401);
  });

  it("records the past minutes once and serves them", async () => {
    // Sessions signed in over the last ten minutes, through the store, with known times.
    const adminUser = await findUserByEmail(database.connection.db, ADMIN.email);
    const store = new DatabaseSessionStore(async () => database.connection.db);
    const now = Date.now();
    for (let minutesAgo = 2; minutesAgo <= 10; minutesAgo += 1) {
      const createdAt = new Date(now - minutesAgo * 60_000);
      await store.create(
        {
          id: randomUUID(),
          tokenHash: hashSessionToken(generateSessionToken()),
          userId: adminUser!.id,
          role: "admin",
          ip: null,
          userAgent: null,
          maxAgeSeconds: 3600,
          idleTimeoutSeconds: 1800,
        },
        { createdAt, lastSeenAt: createdAt, absoluteExpiresAt: new Date(now + 3_600_000), expiresAt: new Date(now + 1_800_000) },
      );
    }

    const first = await fetch(`${server.baseUrl}/api/cron/history`, { headers: { authorization: `Bearer ${CRON_SECRET}` } });
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    expect(firstBody.data.ran).toBe(true);
    expect(firstBody.data.minutes_recorded).toBeGreaterThan(0);

    const history = await getJson(`${server.baseUrl}/api/admin/history?range=1h`, admin);
    expect(history.status).toBe(200);
    expect(history.body.data.points).toHaveLength(60);
    const signIns = history.body.data.points.reduce((total: number, point: { sign_ins: number }) => total + point.sign_ins, 0);
    expect(signIns).toBeGreaterThanOrEqual(9);

    const again = await fetch(`${server.baseUrl}/api/cron/history`, { headers: { authorization: `Bearer ${CRON_SECRET}` } });
    const againBody = await again.json();
    expect(againBody.data.minutes_recorded).toBe(0);
    const unchanged = await getJson(`${server.baseUrl}/api/admin/history?range=1h`, admin);
    expect(unchanged.body.data.points.reduce((total: number, point: { sign_ins: number }) => total + point.sign_ins, 0)).toBe(signIns);
  });

  it("rejects an unknown range", async () => {
    const response = await getJson(`${server.baseUrl}/api/admin/history?range=1y`, admin);
    expect(response.status).toBe(422);
    expect(response.body.error.field).toBe("range");
  });
});

describe("store details and distribution", () => {
  it("report latency, Redis memory and PostgreSQL sizes", async () => {
    const response = await getJson(`${server.baseUrl}/api/admin/store-details`, admin);

    expect(response.status).toBe(200);
    expect(response.body.data.latency.some((row: { operation: string }) => row.operation === "validate")).toBe(true);
    expect(response.body.data.redis.used_memory_bytes).toBeGreaterThan(0);
    expect(response.body.data.redis.eviction_policy).toEqual(expect.any(String));
    expect(response.body.data.postgres.table_bytes).toBeGreaterThan(0);
  });

  it("groups active sessions by country and platform", async () => {
    const response = await getJson(`${server.baseUrl}/api/admin/distribution`, admin);

    expect(response.status).toBe(200);
    expect(response.body.data.countries[0]).toMatchObject({ country: expect.any(String), sessions: expect.any(Number) });
    expect(response.body.data.platforms.length).toBeGreaterThan(0);
  });
});
