import { randomUUID } from "node:crypto";

import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Database, DatabaseConnection } from "@/lib/db/client";
import { insertUser } from "@/lib/db/queries/users";
import { sessions } from "@/lib/db/schema";
import { createRedisCluster, dataNodes, waitForFirstConnection, type RedisClient } from "@/lib/redis/client";
import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import type { RedisKeyLayout } from "@/lib/sessions/redis-keys";
import { parseSessionRecord } from "@/lib/sessions/redis-scripts";
import { RedisSessionStore } from "@/lib/sessions/redis-store";
import { generateSessionToken, hashSessionToken } from "@/lib/sessions/token";
import type { NewSession, SessionCounts, SessionStore } from "@/lib/sessions/types";

import { createTestDatabase, createTestPglite } from "../support/databases";
import { startRedisCluster, type RedisCluster } from "../support/redis-cluster";
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from "../support/redis";

// Property-style check: after random sequences of create, touch, revoke, delete and expiry, the
// constant-time counts equal a slow recount over the raw data. The seed is printed on failure.
const seed = Number(process.env.COUNT_PROPERTY_SEED ?? Date.now() % 1_000_000);
const rounds = 3;
const operationsPerRound = 60;
// Short sessions end within this many ms; checkpoints sit before it or well after it, so no
// session expires between the fast count and the recount.
const shortLifetimeSeconds = 2;

function random(seedValue: number) {
  let state = seedValue >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Counts = Pick<SessionCounts, "total" | "active" | "expired" | "activeUsers">;
const pick = (counts: SessionCounts): Counts => ({
  total: counts.total,
  active: counts.active,
  expired: counts.expired,
  activeUsers: counts.activeUsers,
});

interface Subject {
  store: SessionStore;
  newUserId(): Promise<string>;
  /** Fast counts and a slow recount, taken at the same instant of the store's clock where possible. */
  compare(): Promise<{ fast: Counts; slow: Counts }>;
  /** Deletes a session row outright (PostgreSQL only). */
  deleteRow?(sessionId: string): Promise<void>;
  close(): Promise<void>;
}

function databaseSubject(connection: DatabaseConnection, close: () => Promise<void>): Subject {
  const db = connection.db;
  return {
    store: new DatabaseSessionStore(async () => db),
    async newUserId() {
      const user = await insertUser(db, { email: `${randomUUID()}@example.com`, name: null, role: "user", passwordHash: "x" });
      return user.id;
    },
    async compare() {
      // One transaction, so both see the same now().
      return db.transaction(async (transaction) => {
        const bound = new DatabaseSessionStore(async () => transaction as unknown as Database, { pruneBuckets: false });
        return { fast: pick(await bound.countSessions()), slow: pick(await bound.recountSessions()) };
      });
    },
    async deleteRow(sessionId) {
      await db.delete(sessions).where(eq(sessions.id, sessionId));
    },
    close,
  };
}

/** Recounts a Redis store from its raw keys: records by SCAN, users by their own indexes. */
async function recountRedis(client: RedisClient, layout: RedisKeyLayout, prefix: string): Promise<Counts> {
  const [seconds, micros] = await client.time();
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);

  let total = 0;
  let expired = 0;
  for (const shard of layout.shards) {
    const { expiryIndex } = layout.shard(shard);
    total += await client.zcard(expiryIndex);
    expired += await client.zcount(expiryIndex, "-inf", String(now));
  }

  const liveMembers = new Set<string>();
  const userKeys: string[] = [];
  for (const node of dataNodes(client)) {
    for (const [pattern, sink] of [
      [layout.recordPattern(), "records"],
      [`{${prefix}:*}:u:*`, "users"],
    ] as const) {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 500);
        cursor = next;
        for (const key of keys) {
          if (sink === "users") {
            userKeys.push(key);
            continue;
          }
          const record = parseSessionRecord((await client.get(key)) ?? "");
          if (record && record.expiresAt > now) liveMembers.add(key);
        }
      } while (cursor !== "0");
    }
  }

  let activeUsers = 0;
  for (const userKey of userKeys) {
    const recordPrefix = userKey.replace(/:u:.*$/, ":s:");
    const members = await client.zrange(userKey, 0, -1);
    if (members.some((member) => liveMembers.has(`${recordPrefix}${member}`))) activeUsers += 1;
  }
  return { total, active: liveMembers.size, expired, activeUsers };
}

function redisSubject(client: RedisClient, prefix: string, close: () => Promise<void>): Subject {
  const store = new RedisSessionStore(client, { keyPrefix: prefix, integrityIntervalMs: 3_600_000, cleanupIntervalMs: 3_600_000 });
  return {
    store,
    newUserId: async () => randomUUID(),
    async compare() {
      return { fast: pick(await store.countSessions()), slow: await recountRedis(client, store.layout, prefix) };
    },
    close,
  };
}

let cluster: RedisCluster | undefined;

const subjects: Array<[string, () => Promise<Subject>]> = [
  [
    "PostgreSQL",
    async () => {
      const database = await createTestDatabase();
      return databaseSubject(database.connection, database.drop);
    },
  ],
  [
    "PGlite",
    async () => {
      const database = await createTestPglite();
      return databaseSubject(database.connection, database.drop);
    },
  ],
  [
    "Redis",
    async () => {
      const client = await connectTestRedis();
      const prefix = uniquePrefix();
      return redisSubject(client, prefix, async () => {
        await deleteKeysWithPrefix(client, prefix);
        client.disconnect();
      });
    },
  ],
  [
    "Redis Cluster",
    async () => {
      cluster = await startRedisCluster(3);
      const client = createRedisCluster(cluster.nodes);
      await waitForFirstConnection(client, 5000);
      return redisSubject(client, uniquePrefix(), async () => {
        client.disconnect();
        await cluster?.stop();
      });
    },
  ],
];

describe.each(subjects)("%s counts", (name, makeSubject) => {
  let subject: Subject;

  beforeAll(async () => {
    subject = await makeSubject();
  }, 60_000);

  afterAll(async () => {
    await subject?.close();
  });

  it("equal a slow recount after random operations", { timeout: 60_000 }, async () => {
    const next = random(seed + name.length);
    // The first three users only ever get short sessions, so their latest expiry falls within the
    // current minute: the case the per-minute buckets must get right.
    const users = await Promise.all(Array.from({ length: 8 }, () => subject.newUserId()));
    const created: Array<NewSession & { live: boolean }> = [];

    for (let round = 0; round < rounds; round += 1) {
      for (let step = 0; step < operationsPerRound; step += 1) {
        const roll = next();
        const existing = created.length > 0 ? created[Math.floor(next() * created.length)] : null;

        if (roll < 0.45 || !existing) {
          const short = next() < 0.3;
          const session: NewSession = {
            id: randomUUID(),
            tokenHash: hashSessionToken(generateSessionToken()),
            userId: short ? users[Math.floor(next() * users.length)] : users[3 + Math.floor(next() * (users.length - 3))],
            role: "user",
            ip: null,
            userAgent: null,
            maxAgeSeconds: short ? shortLifetimeSeconds : 3600,
            idleTimeoutSeconds: 600,
          };
          await subject.store.create(session);
          created.push({ ...session, live: true });
        } else if (roll < 0.7) {
          await subject.store.validate(existing, 0);
        } else if (roll < 0.9 || !subject.deleteRow) {
          await subject.store.revoke(existing, "test");
        } else {
          await subject.deleteRow(existing.id);
        }
      }

      const beforeExpiry = await subject.compare();
      expect(beforeExpiry.fast, `seed ${seed}, round ${round}, before expiry`).toEqual(beforeExpiry.slow);

      await sleep(shortLifetimeSeconds * 1000 + 200);
      const afterExpiry = await subject.compare();
      expect(afterExpiry.fast, `seed ${seed}, round ${round}, after expiry`).toEqual(afterExpiry.slow);
      expect(afterExpiry.fast.expired + afterExpiry.fast.active).toBeGreaterThan(0);
    }
  });
});

describe("PostgreSQL counter rebuild", () => {
  it("reproduces the counters the triggers keep", async () => {
    const database = await createTestDatabase();
    try {
      const subject = databaseSubject(database.connection, async () => {});
      const store = subject.store as DatabaseSessionStore;
      const userId = await subject.newUserId();
      for (let index = 0; index < 20; index += 1) {
        await store.create({
          id: randomUUID(),
          tokenHash: hashSessionToken(generateSessionToken()),
          userId,
          role: "user",
          ip: null,
          userAgent: null,
          maxAgeSeconds: 3600,
          idleTimeoutSeconds: 600,
        });
      }
      const before = pick(await store.countSessions());

      await store.rebuildCounters();
      await database.connection.db.execute(sql`select 1`);

      expect(pick(await store.countSessions())).toEqual(before);
    } finally {
      await database.drop();
    }
  });
});
