import { randomUUID } from "node:crypto";

import type Redis from "ioredis";
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Database } from "@/lib/db/client";
import { selectSessionPage } from "@/lib/db/queries/session-list";
import { insertUser } from "@/lib/db/queries/users";
import * as schema from "@/lib/db/schema";
import { sessions } from "@/lib/db/schema";
import { AppError } from "@/lib/errors";
import { createRedisClient } from "@/lib/redis/client";
import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { encodeCursor, parseListQuery, type SessionFilter } from "@/lib/sessions/list-query";
import { listSessions, type SessionListItem } from "@/lib/sessions/list-sessions";
import { RedisSessionStore } from "@/lib/sessions/redis-store";
import { revokeMatchingSessions, revokeSessionById } from "@/lib/sessions/revoke-sessions";
import { SessionManager, type CreatedSession } from "@/lib/sessions/session-manager";
import { hashSessionToken } from "@/lib/sessions/token";
import type { StoreKind } from "@/lib/sessions/types";

import { createTestDatabase, type TestDatabase } from "../support/databases";
import { deleteKeysWithPrefix, REDIS_URL, uniquePrefix } from "../support/redis";

// Read when the Redis clients below are created.
process.env.REDIS_RETRY_INTERVAL_MS = "200";

const AGENTS = {
  chromeWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  firefoxLinux: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  safariMac:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  safariIphone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  chromeAndroid:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  edgeWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
};

const MODES: StoreKind[] = ["redis", "database"];

interface Harness {
  database: TestDatabase;
  manager: SessionManager;
  /** Present in Redis mode. */
  redis: { client: Redis; store: RedisSessionStore } | null;
  close(): Promise<void>;
}

/** Creates a fresh database and a SessionManager on it, in Redis mode with its own key prefix. */
async function openHarness(mode: StoreKind, touchIntervalSeconds = 60): Promise<Harness> {
  const database = await createTestDatabase();
  const databaseStore = new DatabaseSessionStore(async () => database.connection.db);
  const common = {
    database: databaseStore,
    maxAgeSeconds: 3600,
    idleTimeoutSeconds: 600,
    touchIntervalSeconds,
    redisTimeoutMs: 600,
    redisProbeTimeoutMs: 1000,
    redisRetryIntervalMs: 200,
  };

  if (mode === "database") {
    const manager = new SessionManager({ ...common, configured: "database", redis: null });
    return { database, manager, redis: null, close: () => database.drop() };
  }

  const client = createRedisClient(REDIS_URL);
  const prefix = uniquePrefix();
  const store = new RedisSessionStore(client, { keyPrefix: prefix, integrityIntervalMs: 3_600_000, cleanupIntervalMs: 3_600_000 });
  const manager = new SessionManager({ ...common, configured: "redis", redis: { client, store } });
  return {
    database,
    manager,
    redis: { client, store },
    async close() {
      if (client.status === "ready") await deleteKeysWithPrefix(client, prefix);
      client.disconnect();
      await database.drop();
    },
  };
}

async function addUser(harness: Harness, email: string): Promise<string> {
  const user = await insertUser(harness.database.connection.db, { email, name: null, role: "user", passwordHash: "unused" });
  return user.id;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await sleep(50);
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms`);
}

/** Lists with the query string the API would receive, so every case goes through parseListQuery. */
async function listPage(harness: Harness, query: Record<string, string>) {
  return listSessions(harness.manager, parseListQuery(new URLSearchParams(query)), null);
}

/** Walks next_cursor from the first page, reading at most maxPages pages. */
async function walkPages(
  harness: Harness,
  query: Record<string, string>,
  options: { maxPages?: number; beforePage?: (page: number) => Promise<void> } = {},
) {
  const pages: SessionListItem[][] = [];
  let cursor: string | null = null;
  let lastCursor: string | null = "not read";
  for (let page = 0; page < (options.maxPages ?? 100); page += 1) {
    await options.beforePage?.(page);
    const result = await listPage(harness, cursor ? { ...query, cursor } : query);
    pages.push(result.sessions);
    lastCursor = result.next_cursor;
    if (!result.next_cursor) break;
    cursor = result.next_cursor;
  }
  return { pages, ids: pages.flat().map((item) => item.id), lastCursor };
}

/** Reads every session id of the database in list order (created_at desc, id desc). */
async function idsInListOrder(harness: Harness): Promise<string[]> {
  const rows = await harness.database.connection.db
    .select({ id: sessions.id })
    .from(sessions)
    .orderBy(desc(sessions.createdAt), desc(sessions.id));
  return rows.map((row) => row.id);
}

/** Returns the AppError that `work` throws, and fails when it throws none. */
function catchAppError(work: () => unknown): AppError {
  try {
    work();
  } catch (error) {
    if (AppError.is(error)) return error;
    throw error;
  }
  throw new Error("expected an AppError, but nothing was thrown");
}

interface Seed {
  label: string;
  email: string;
  ip: string | null;
  agent: string | null;
  state: "active" | "revoked" | "expired";
}

// Created in this order; the list shows them newest first.
const SEEDS: Seed[] = [
  { label: "s1", email: "alice@example.com", ip: "10.1.2.3", agent: AGENTS.chromeWindows, state: "active" },
  { label: "s2", email: "alice@example.com", ip: "10.1.9.9", agent: AGENTS.firefoxLinux, state: "revoked" },
  { label: "s3", email: "alice@example.com", ip: "2001:db8::1", agent: AGENTS.safariIphone, state: "active" },
  { label: "s4", email: "bob@example.org", ip: "10.2.0.1", agent: AGENTS.safariMac, state: "expired" },
  { label: "s5", email: "bob@example.org", ip: "192.168.1.20", agent: AGENTS.chromeAndroid, state: "active" },
  { label: "s6", email: "a_b@example.com", ip: "2001:db8:1::5", agent: AGENTS.edgeWindows, state: "active" },
  { label: "s7", email: "axb@example.com", ip: null, agent: null, state: "expired" },
  { label: "s8", email: "pct%x@example.com", ip: "10.1.2.30", agent: AGENTS.chromeWindows, state: "active" },
  { label: "s9", email: "pctyx@example.com", ip: "192.168.1.21", agent: AGENTS.firefoxLinux, state: "revoked" },
];

// Expected labels per filter. The tests check the order separately, against the created times.
const FILTER_CASES: Array<[string, Record<string, string>, string[]]> = [
  ["no filter", {}, ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"]],
  ["email substring", { email: "alice" }, ["s1", "s2", "s3"]],
  ["email upper case", { email: "ALICE@EXAMPLE" }, ["s1", "s2", "s3"]],
  ["email domain", { email: "example.org" }, ["s4", "s5"]],
  ["email literal underscore", { email: "a_b" }, ["s6"]],
  ["email literal percent", { email: "t%x" }, ["s8"]],
  ["email literal backslash", { email: "a\\b" }, []],
  ["status active", { status: "active" }, ["s1", "s3", "s5", "s6", "s8"]],
  ["status expired", { status: "expired" }, ["s4", "s7"]],
  ["status revoked", { status: "revoked" }, ["s2", "s9"]],
  ["ip exact IPv4", { ip: "10.1.2.3" }, ["s1"]],
  ["ip CIDR /16", { ip: "10.1.0.0/16" }, ["s1", "s2", "s8"]],
  ["ip CIDR /8", { ip: "10.0.0.0/8" }, ["s1", "s2", "s4", "s8"]],
  ["ip CIDR /31", { ip: "192.168.1.20/31" }, ["s5", "s9"]],
  ["ip exact IPv6", { ip: "2001:db8::1" }, ["s3"]],
  ["ip IPv6 /32", { ip: "2001:db8::/32" }, ["s3", "s6"]],
  ["ip IPv6 /48", { ip: "2001:db8::/48" }, ["s3"]],
  ["browser Chrome", { browser: "Chrome" }, ["s1", "s5", "s8"]],
  ["browser Mobile Safari", { browser: "Mobile Safari" }, ["s3"]],
  ["browser Safari", { browser: "Safari" }, ["s4"]],
  ["os Windows", { os: "Windows" }, ["s1", "s6", "s8"]],
  ["os iOS", { os: "iOS" }, ["s3"]],
  ["os Android", { os: "Android" }, ["s5"]],
  ["email and status", { email: "alice", status: "active" }, ["s1", "s3"]],
  ["CIDR and browser", { ip: "10.0.0.0/8", browser: "Chrome" }, ["s1", "s8"]],
];

describe.each(MODES)("session list filters in %s mode", (mode) => {
  let harness: Harness;
  const created = new Map<string, CreatedSession & { seed: Seed; userId: string }>();
  const userIds = new Map<string, string>();

  const labelOf = (id: string) => [...created.values()].find((session) => session.id === id)?.seed.label ?? id;

  /** The labels in list order: created_at desc, then id desc. */
  const inListOrder = (labels: string[]) =>
    labels
      .map((label) => created.get(label)!)
      .sort((a, b) => b.times.createdAt.getTime() - a.times.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((session) => session.seed.label);

  beforeAll(async () => {
    harness = await openHarness(mode);
    for (const email of new Set(SEEDS.map((seed) => seed.email))) {
      userIds.set(email, await addUser(harness, email));
    }

    for (const seed of SEEDS) {
      const userId = userIds.get(seed.email)!;
      const lifetime = seed.state === "expired" ? { maxAgeSeconds: 1, idleTimeoutSeconds: 1 } : {};
      const session = await harness.manager.createSession({ userId, role: "user", ip: seed.ip, userAgent: seed.agent, ...lifetime });
      created.set(seed.label, { ...session, seed, userId });
      if (seed.state === "revoked") {
        expect(await harness.manager.revokeSession({ tokenHash: hashSessionToken(session.token), userId }, "test")).toBe(true);
      }
    }

    // Waits by the database clock, because the list decides status with now().
    await waitFor(
      async () => {
        const [row] = await harness.database.connection.db
          .select({ count: sql<number>`count(*)::int` })
          .from(sessions)
          .where(sql`${sessions.revokedAt} is null and ${sessions.expiresAt} <= now()`);
        return row.count === 2;
      },
      5000,
      "1 s sessions expired",
    );
  });

  afterAll(async () => {
    await harness?.close();
  });

  it.each(FILTER_CASES)("filter %s", async (_name, query, expected) => {
    const page = await listPage(harness, query);

    expect(page.sessions.map((item) => labelOf(item.id))).toEqual(inListOrder(expected));
    expect(page.next_cursor).toBeNull();
  });

  it("status overlay matches each seed", async () => {
    const page = await listPage(harness, {});

    for (const item of page.sessions) {
      const session = created.get(labelOf(item.id))!;
      expect(item.status, `status of ${session.seed.label}`).toBe(session.seed.state);
      expect(item.user.email, `email of ${session.seed.label}`).toBe(session.seed.email.toLowerCase());
      expect(item.ip, `ip of ${session.seed.label}`).toBe(session.seed.ip);
      expect(item.is_current, `is_current of ${session.seed.label}`).toBe(false);
    }
  });

  it("filter user_id", async () => {
    const page = await listPage(harness, { user_id: userIds.get("bob@example.org")! });

    expect(page.sessions.map((item) => labelOf(item.id))).toEqual(inListOrder(["s4", "s5"]));
  });

  it("filter user_id unknown", async () => {
    const page = await listPage(harness, { user_id: randomUUID() });

    expect(page.sessions).toEqual([]);
    expect(page.next_cursor).toBeNull();
  });

  it("created_after includes boundary", async () => {
    const boundary = created.get("s5")!.times.createdAt;
    const expected = SEEDS.filter((seed) => created.get(seed.label)!.times.createdAt >= boundary).map((seed) => seed.label);

    const page = await listPage(harness, { created_after: boundary.toISOString() });
    const labels = page.sessions.map((item) => labelOf(item.id));

    expect(labels).toContain("s5");
    expect(labels).not.toContain("s4");
    expect(labels).toEqual(inListOrder(expected));
  });

  it("created_before excludes boundary", async () => {
    const boundary = created.get("s5")!.times.createdAt;
    const expected = SEEDS.filter((seed) => created.get(seed.label)!.times.createdAt < boundary).map((seed) => seed.label);

    const page = await listPage(harness, { created_before: boundary.toISOString() });
    const labels = page.sessions.map((item) => labelOf(item.id));

    expect(labels).not.toContain("s5");
    expect(labels).toContain("s4");
    expect(labels).toEqual(inListOrder(expected));
  });

  it("created range with offset", async () => {
    const from = created.get("s3")!.times.createdAt;
    const to = created.get("s7")!.times.createdAt;
    // The same instants written in +02:00.
    const withOffset = (date: Date) => new Date(date.getTime() + 2 * 3600_000).toISOString().replace("Z", "+02:00");
    const expected = SEEDS.filter((seed) => {
      const at = created.get(seed.label)!.times.createdAt;
      return at >= from && at < to;
    }).map((seed) => seed.label);

    const page = await listPage(harness, { created_after: withOffset(from), created_before: withOffset(to) });
    const labels = page.sessions.map((item) => labelOf(item.id));

    expect(labels).toContain("s3");
    expect(labels).not.toContain("s7");
    expect(labels).toEqual(inListOrder(expected));
  });
});

describe.each(MODES)("session list pagination in %s mode", (mode) => {
  let harness: Harness;
  let userIds: string[];

  beforeAll(async () => {
    harness = await openHarness(mode);
    userIds = [];
    for (const name of ["page-a", "page-b", "page-c"]) userIds.push(await addUser(harness, `${name}@example.com`));

    // 54 sessions in groups of 6 created at once, so some share a created_at millisecond.
    for (let group = 0; group < 9; group += 1) {
      await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          harness.manager.createSession({ userId: userIds[index % 3], role: "user", ip: "198.51.100.7", userAgent: AGENTS.firefoxLinux }),
        ),
      );
    }
    // 6 more with one identical created_at, so the id alone orders them.
    const tiedAt = new Date(Date.now() - 60_000);
    for (let index = 0; index < 6; index += 1) {
      const token = randomUUID();
      await harness.manager.database.create(
        {
          id: randomUUID(),
          tokenHash: hashSessionToken(token),
          userId: userIds[index % 3],
          role: "user",
          ip: null,
          userAgent: null,
          maxAgeSeconds: 3600,
          idleTimeoutSeconds: 600,
        },
        { createdAt: tiedAt, lastSeenAt: tiedAt, absoluteExpiresAt: new Date(tiedAt.getTime() + 3_600_000), expiresAt: new Date(tiedAt.getTime() + 600_000) },
      );
    }
  });

  afterAll(async () => {
    await harness?.close();
  });

  it("limit 7 visits each once", async () => {
    const expected = await idsInListOrder(harness);
    expect(expected).toHaveLength(60);

    const walk = await walkPages(harness, { limit: "7" });

    expect(walk.ids).toEqual(expected);
    expect(walk.pages).toHaveLength(Math.ceil(60 / 7));
    expect(walk.pages.slice(0, -1).every((page) => page.length === 7)).toBe(true);
    expect(walk.pages.at(-1)).toHaveLength(60 % 7);
    expect(walk.lastCursor).toBeNull();
  });

  it("exact multiple ends without empty page", async () => {
    const walk = await walkPages(harness, { limit: "6" });

    expect(walk.pages).toHaveLength(10);
    expect(walk.pages.at(-1)).toHaveLength(6);
    expect(walk.lastCursor).toBeNull();
    expect(new Set(walk.ids).size).toBe(60);
  });

  it("filtered walk visits each once", async () => {
    const page = await walkPages(harness, { user_id: userIds[1], limit: "7" });
    const rows = await harness.database.connection.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(eq(sessions.userId, userIds[1]))
      .orderBy(desc(sessions.createdAt), desc(sessions.id));

    expect(page.ids).toEqual(rows.map((row) => row.id));
    expect(page.lastCursor).toBeNull();
  });

  it("walk during concurrent creation", async () => {
    const before = await idsInListOrder(harness);
    const creations = 40;
    let createdCount = 0;
    const creator = (async () => {
      for (let index = 0; index < creations; index += 1) {
        await harness.manager.createSession({ userId: userIds[index % 3], role: "user", ip: null, userAgent: null });
        createdCount += 1;
      }
    })();

    // Before page n, wait until at least 4n sessions were created (bounded), so creations and
    // page reads interleave.
    const walk = await walkPages(harness, { limit: "7" }, {
      beforePage: async (page) => {
        const deadline = Date.now() + 5000;
        while (createdCount < Math.min(creations, page * 4) && Date.now() < deadline) await sleep(5);
      },
    });
    await creator;

    const seen = new Map<string, number>();
    for (const id of walk.ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    const duplicates = [...seen].filter(([, count]) => count > 1).map(([id]) => id);
    const missing = before.filter((id) => !seen.has(id));

    expect(createdCount).toBe(creations);
    expect(duplicates).toEqual([]);
    expect(missing).toEqual([]);
    expect(walk.lastCursor).toBeNull();
    expect(walk.pages.length).toBeGreaterThan(4);
  });
});

describe("parseListQuery validation", () => {
  const wrongJsonCursor = Buffer.from(JSON.stringify({ x: 1 })).toString("base64url");
  const badUuidCursor = Buffer.from(JSON.stringify({ c: "2026-01-01T00:00:00.000Z", i: "nope" })).toString("base64url");
  const notJsonCursor = Buffer.from("not json").toString("base64url");

  it.each<[string, string, string]>([
    ["limit 0", "limit=0", "limit"],
    ["limit 10000", "limit=10000", "limit"],
    ["limit abc", "limit=abc", "limit"],
    ["limit fraction", "limit=1.5", "limit"],
    ["malformed cursor", "cursor=%25%25%25", "cursor"],
    ["cursor not JSON", `cursor=${notJsonCursor}`, "cursor"],
    ["cursor wrong JSON", `cursor=${wrongJsonCursor}`, "cursor"],
    ["cursor bad uuid", `cursor=${badUuidCursor}`, "cursor"],
    ["CIDR prefix 33", "ip=10.0.0.0/33", "ip"],
    ["IPv4 octet 300", "ip=300.1.1.1", "ip"],
    ["IPv6 prefix 129", "ip=2001:db8::/129", "ip"],
    ["ip two slashes", "ip=10.0.0.0/8/8", "ip"],
    ["unknown status", "status=live", "status"],
    ["unknown field", "colour=red", "colour"],
    ["repeated field", "email=a&email=b", "email"],
    ["repeated limit", "limit=5&limit=6", "limit"],
    ["bad created_after", "created_after=yesterday", "created_after"],
    ["created_after without zone", "created_after=2026-01-31T12:00:00", "created_after"],
    ["bad created_before", "created_before=2026-13-01T00:00:00Z", "created_before"],
    ["bad user_id", "user_id=42", "user_id"],
    ["empty email", "email=%20", "email"],
  ])("rejects %s", (_name, query, field) => {
    const error = catchAppError(() => parseListQuery(new URLSearchParams(query)));

    expect(error.status).toBe(422);
    expect(error.code).toBe("validation_failed");
    expect(error.field).toBe(field);
  });

  // fe80::1%eth0 passes node's isIP, but PostgreSQL's inet type rejects zone ids, so the list
  // query would fail with a database error instead of a 422.
  it("rejects IPv6 zone id", () => {
    const error = catchAppError(() => parseListQuery(new URLSearchParams("ip=fe80::1%25eth0")));

    expect(error.status).toBe(422);
    expect(error.field).toBe("ip");
  });

  it("accepts defaults and bounds", () => {
    expect(parseListQuery(new URLSearchParams("")).limit).toBe(50);
    expect(parseListQuery(new URLSearchParams("limit=1")).limit).toBe(1);
    expect(parseListQuery(new URLSearchParams("limit=200")).limit).toBe(200);

    const cursor = encodeCursor({ createdAt: "2026-01-31T12:00:00.000Z", id: "7d0f2b8e-3c1a-4b6e-9f2d-1a2b3c4d5e6f" });
    expect(parseListQuery(new URLSearchParams({ cursor })).cursor).toEqual({
      createdAt: "2026-01-31T12:00:00.000Z",
      id: "7d0f2b8e-3c1a-4b6e-9f2d-1a2b3c4d5e6f",
    });
    expect(parseListQuery(new URLSearchParams({ ip: " 10.0.0.0/8 " })).filter.ip).toBe("10.0.0.0/8");
  });
});

describe("Redis overlay of session times", () => {
  let harness: Harness;
  let userId: string;

  beforeAll(async () => {
    harness = await openHarness("redis");
    userId = await addUser(harness, "overlay@example.com");
  });

  afterAll(async () => {
    await harness?.close();
  });

  it("shows last_seen_at from Redis", async () => {
    const session = await harness.manager.createSession({ userId, role: "user", ip: null, userAgent: null });
    expect(session.store).toBe("redis");
    const target = { tokenHash: hashSessionToken(session.token), userId };
    await sleep(30);

    // Straight to the Redis store: PostgreSQL's copy does not see this touch.
    const touched = await harness.redis!.store.validate(target, 0);
    expect(touched?.touched).toBe(true);
    const [row] = await harness.database.connection.db.select().from(sessions).where(eq(sessions.id, session.id));
    expect(row.lastSeenAt.getTime()).toBeLessThan(touched!.lastSeenAt.getTime());

    const page = await listPage(harness, { user_id: userId });
    const item = page.sessions.find((candidate) => candidate.id === session.id);

    expect(item?.last_seen_at).toBe(touched!.lastSeenAt.toISOString());
    expect(item?.expires_at).toBe(touched!.expiresAt.toISOString());
    expect(item?.status).toBe("active");
  });

  it("missing Redis record shows expired", async () => {
    const session = await harness.manager.createSession({ userId, role: "user", ip: null, userAgent: null });
    const [recordKey] = harness.redis!.store.layout.sessionKeys(hashSessionToken(session.token), userId);
    expect(await harness.redis!.client.del(recordKey)).toBe(1);

    const page = await listPage(harness, { user_id: userId });
    const item = page.sessions.find((candidate) => candidate.id === session.id);

    expect(item?.status).toBe("expired");
    expect(item?.ended_at).not.toBeNull();
    const [row] = await harness.database.connection.db.select().from(sessions).where(eq(sessions.id, session.id));
    expect(row.revokedAt).toBeNull();
  });
});

/** Captures the page query that selectSessionPage sends, through drizzle's query logger. */
async function captureListQuery(
  url: string,
  query: { filter: SessionFilter; after: { createdAt: string; id: string } | null },
): Promise<{ text: string; params: unknown[] }> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  const captured: Array<{ text: string; params: unknown[] }> = [];
  const db = drizzle({ client, schema, logger: { logQuery: (text, params) => captured.push({ text, params }) } });
  try {
    await selectSessionPage(db as unknown as Database, { ...query, limit: 50 });
  } finally {
    await client.end({ timeout: 5 });
  }
  // An email search looks up the matching users first; the page query is the last one sent.
  const page = captured.filter((query) => query.text.includes('from "sessions"'));
  expect(page).toHaveLength(1);
  return page[0];
}

describe("session list index use", () => {
  let harness: Harness;
  let explainClient: postgres.Sql;
  let userId: string;
  let cursor: { createdAt: string; id: string };

  beforeAll(async () => {
    harness = await openHarness("database");
    userId = await addUser(harness, "index@example.com");
    for (let index = 0; index < 30; index += 1) {
      await harness.manager.createSession({
        userId,
        role: "user",
        ip: index % 2 === 0 ? `10.0.0.${index}` : `2001:db8::${index}`,
        userAgent: index % 3 === 0 ? AGENTS.chromeWindows : AGENTS.safariMac,
      });
    }
    explainClient = postgres(harness.database.url, { max: 1, onnotice: () => {} });
    // 5000 more rows with varied values, so the planner has realistic selectivity.
    await explainClient`
      insert into sessions (id, token_hash, user_id, created_at, last_seen_at, absolute_expires_at,
        idle_timeout_seconds, expires_at, revoked_at, ip, browser, os, redis_synced)
      select gen_random_uuid(), md5(n::text), ${userId}, now() - n * interval '1 minute', now() - n * interval '1 minute',
        now() + interval '1 hour', 600, now() + (n % 7 - 3) * interval '1 minute',
        case when n % 11 = 0 then now() end, ('10.' || n % 200 || '.' || n % 100 || '.1')::inet,
        (array['Chrome', 'Firefox', 'Safari', 'Edge'])[n % 4 + 1], (array['Windows', 'macOS', 'Linux', 'iOS', 'Android'])[n % 5 + 1], true
      from generate_series(1, 5000) as n`;
    await explainClient`analyze sessions`;
    const [row] = await harness.database.connection.db.select().from(sessions).orderBy(asc(sessions.createdAt)).limit(1);
    cursor = { createdAt: row.createdAt.toISOString(), id: row.id };
  });

  afterAll(async () => {
    await explainClient?.end({ timeout: 5 });
    await harness?.close();
  });

  const cases: Array<[string, () => SessionFilter, boolean]> = [
    ["no filter", () => ({}), false],
    ["no filter after cursor", () => ({}), true],
    ["email", () => ({ email: "index" }), false],
    ["user_id", () => ({ user_id: userId }), false],
    ["status active", () => ({ status: "active" }), false],
    ["status expired", () => ({ status: "expired" }), false],
    ["status revoked", () => ({ status: "revoked" }), false],
    ["ip exact", () => ({ ip: "10.0.0.4" }), false],
    ["ip CIDR", () => ({ ip: "10.0.0.0/8" }), false],
    ["browser", () => ({ browser: "Chrome" }), false],
    ["os", () => ({ os: "Windows" }), false],
    ["created_after", () => ({ created_after: "2026-01-01T00:00:00Z" }), false],
    ["created_before", () => ({ created_before: "2100-01-01T00:00:00Z" }), false],
  ];

  it.each(cases)("%s avoids seq scan", async (_name, filter, afterCursor) => {
    const query = await captureListQuery(harness.database.url, { filter: filter(), after: afterCursor ? cursor : null });

    const plan = await explainClient.begin(async (transaction) => {
      await transaction.unsafe("set local enable_seqscan = off");
      return transaction.unsafe(`explain ${query.text}`, query.params as postgres.ParameterOrJSON<never>[]);
    });
    const text = plan.map((line) => line["QUERY PLAN"] as string).join("\n");

    expect(text, text).not.toMatch(/Seq Scan on sessions/);
  });
});

describe.each(MODES)("validate and revoke race in %s mode", (mode) => {
  let harness: Harness;
  let userId: string;

  beforeAll(async () => {
    harness = await openHarness(mode, 0);
    userId = await addUser(harness, "race@example.com");
  });

  afterAll(async () => {
    await harness?.close();
  });

  it("revoke wins over touches", async () => {
    let pendingAtRevoke = 0;
    for (let round = 0; round < 5; round += 1) {
      const session = await harness.manager.createSession({ userId, role: "user", ip: null, userAgent: null });
      const target = { tokenHash: hashSessionToken(session.token), userId };

      // 50 validations spread over about 10 ms. The revoke starts as soon as the first one has
      // accepted the session (or after 2 s), while the others are still in flight.
      let settled = 0;
      let markAccepted = () => {};
      const firstAccepted = new Promise<void>((resolve) => (markAccepted = resolve));
      const validations = Array.from({ length: 50 }, (_, index) =>
        sleep(index % 10)
          .then(() => harness.manager.validateSession(session.token, userId))
          .then((result) => {
            settled += 1;
            if (result) markAccepted();
            return result;
          }),
      );
      const revoked = Promise.race([firstAccepted, sleep(2000)]).then(() => {
        pendingAtRevoke += 50 - settled;
        return harness.manager.revokeSession(target, "test");
      });
      const results = await Promise.all([...validations, revoked]);

      expect(results.slice(0, -1).some((result) => result !== null), `round ${round}: a validation accepted it`).toBe(true);
      expect(results.at(-1), `round ${round}: revoke ended a live session`).toBe(true);
      expect(await harness.manager.validateSession(session.token, userId), `round ${round}: manager`).toBeNull();
      expect(await harness.manager.database.validate(target, 0), `round ${round}: database store`).toBeNull();
      if (harness.redis) {
        expect(await harness.redis.store.validate(target, 0), `round ${round}: Redis store`).toBeNull();
        const [recordKey] = harness.redis.store.layout.sessionKeys(target.tokenHash, userId);
        expect(await harness.redis.client.exists(recordKey), `round ${round}: Redis record`).toBe(0);
      }

      // Touches copied to PostgreSQL in the background must not bring the row back.
      await sleep(50);
      const [row] = await harness.database.connection.db
        .select()
        .from(sessions)
        .where(and(eq(sessions.id, session.id), eq(sessions.userId, userId)));
      expect(row.revokedAt, `round ${round}: revoked_at`).not.toBeNull();
      expect(await harness.manager.validateSession(session.token, userId), `round ${round}: manager later`).toBeNull();
    }

    // Proves the validations overlapped the revoke: some were still in flight when it started.
    expect(pendingAtRevoke).toBeGreaterThan(0);
  });
});

describe.each(MODES)("revokeSessionById concurrency in %s mode", (mode) => {
  let harness: Harness;
  let userId: string;

  beforeAll(async () => {
    harness = await openHarness(mode);
    userId = await addUser(harness, "concurrent@example.com");
  });

  afterAll(async () => {
    await harness?.close();
  });

  it("concurrent revokes end once", async () => {
    const endedCounts: number[] = [];
    for (let round = 0; round < 20; round += 1) {
      const session = await harness.manager.createSession({ userId, role: "user", ip: null, userAgent: null });

      const results = await Promise.all(
        Array.from({ length: 5 }, () => revokeSessionById(harness.manager, session.id, "admin")),
      );
      endedCounts.push(results.filter((result) => result?.ended).length);

      expect(await harness.manager.validateSession(session.token, userId), `round ${round}: signed out`).toBeNull();
    }

    // Each DELETE that reports `ended` returns 200 and writes an audit event, so only one may.
    expect(endedCounts).toEqual(endedCounts.map(() => 1));
  });
});

describe("revoke of a session live only in Redis", () => {
  let harness: Harness;
  let userId: string;

  beforeAll(async () => {
    harness = await openHarness("redis");
    userId = await addUser(harness, "stale-copy@example.com");
  });

  afterAll(async () => {
    await harness?.close();
  });

  /**
   * Creates a session with a 2 s idle timeout and slides it in Redis only, then waits until
   * PostgreSQL's copy has expired while Redis still accepts the session.
   */
  async function sessionWithStaleCopy() {
    const session = await harness.manager.createSession({ userId, role: "user", ip: null, userAgent: null, idleTimeoutSeconds: 2 });
    const target = { tokenHash: hashSessionToken(session.token), userId };
    await sleep(1200);
    const touched = await harness.redis!.store.validate(target, 0);
    expect(touched?.touched, "touch in Redis").toBe(true);

    await waitFor(
      async () => {
        const [row] = await harness.database.connection.db
          .select({ expired: sql<boolean>`${sessions.expiresAt} <= now()` })
          .from(sessions)
          .where(eq(sessions.id, session.id));
        return row.expired;
      },
      3000,
      "PostgreSQL copy expired",
    );
    expect(await harness.manager.validateSession(session.token, userId), "still valid in Redis").not.toBeNull();
    return session;
  }

  it("list shows it active", async () => {
    const session = await sessionWithStaleCopy();

    const page = await listPage(harness, { user_id: userId });
    const item = page.sessions.find((candidate) => candidate.id === session.id);

    expect(item?.status).toBe("active");
  });

  it("DELETE signs it out", async () => {
    const session = await sessionWithStaleCopy();

    const result = await revokeSessionById(harness.manager, session.id, "admin");

    expect(result?.ended, "revokeSessionById reports the session ended").toBe(true);
    expect(await harness.manager.validateSession(session.token, userId), "validates after DELETE").toBeNull();
  });

  it("bulk sign-out signs it out", async () => {
    const session = await sessionWithStaleCopy();

    const result = await revokeMatchingSessions(harness.manager, { filter: { user_id: userId }, exceptTokenHash: null, reason: "admin" });

    expect(result.sessions, "sessions signed out").toBeGreaterThanOrEqual(1);
    expect(await harness.manager.validateSession(session.token, userId), "validates after bulk sign-out").toBeNull();
  });
});
