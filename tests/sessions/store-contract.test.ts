import { randomUUID } from "node:crypto";

import type Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { insertUser } from "@/lib/db/queries/users";
import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { RedisSessionStore } from "@/lib/sessions/redis-store";
import { generateSessionToken, hashSessionToken } from "@/lib/sessions/token";
import type { NewSession, SessionStore } from "@/lib/sessions/types";
import type { DatabaseConnection } from "@/lib/db/client";
import type { UserRole } from "@/lib/db/schema";

import { createTestDatabase, createTestPglite } from "../support/databases";
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from "../support/redis";

interface Harness {
  store: SessionStore;
  /** A user that may own sessions; the database stores read the role from it. */
  newUserId(role?: UserRole): Promise<string>;
  close(): Promise<void>;
}

function databaseHarness(connection: DatabaseConnection, drop: () => Promise<void>): Harness {
  return {
    store: new DatabaseSessionStore(async () => connection.db),
    async newUserId(role: UserRole = "user") {
      const user = await insertUser(connection.db, {
        email: `${randomUUID()}@example.com`,
        name: null,
        role,
        passwordHash: "unused",
      });
      return user.id;
    },
    close: drop,
  };
}

const harnesses: Array<[string, () => Promise<Harness>]> = [
  [
    "redis",
    async () => {
      const redis: Redis = await connectTestRedis();
      const prefix = uniquePrefix();
      return {
        // Maintenance is pushed far out so that counts only change when the test changes them.
        store: new RedisSessionStore(redis, { keyPrefix: prefix, integrityIntervalMs: 3_600_000, cleanupIntervalMs: 3_600_000 }),
        newUserId: async () => randomUUID(),
        async close() {
          await deleteKeysWithPrefix(redis, prefix);
          redis.disconnect();
        },
      };
    },
  ],
  [
    "database on PostgreSQL",
    async () => {
      const database = await createTestDatabase();
      return databaseHarness(database.connection, database.drop);
    },
  ],
  [
    "database on PGlite",
    async () => {
      const database = await createTestPglite();
      return databaseHarness(database.connection, database.drop);
    },
  ],
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newSession(userId: string, overrides: Partial<NewSession> = {}): NewSession & { token: string } {
  const token = generateSessionToken();
  return {
    token,
    id: randomUUID(),
    tokenHash: hashSessionToken(token),
    userId,
    role: "user",
    ip: "192.0.2.10",
    userAgent: "contract-test",
    maxAgeSeconds: 3600,
    idleTimeoutSeconds: 600,
    ...overrides,
  };
}

/** Opens a harness for the enclosing describe block and closes it afterwards. */
function useHarness(makeHarness: () => Promise<Harness>): Harness {
  let opened: Harness | undefined;
  beforeAll(async () => {
    opened = await makeHarness();
  });
  afterAll(async () => {
    await opened?.close();
  });

  // Test bodies run after beforeAll, so every property read finds the opened harness.
  return new Proxy({} as Harness, { get: (_target, property) => opened![property as keyof Harness] });
}

describe.each(harnesses)("%s session store", (_name, makeHarness) => {
  const harness = useHarness(makeHarness);

  it("create then validate returns the session", async () => {
    const session = newSession(await harness.newUserId("admin"), { role: "admin" });
    const times = await harness.store.create(session);

    expect(times.expiresAt.getTime() - times.createdAt.getTime()).toBe(600_000);
    expect(times.absoluteExpiresAt.getTime() - times.createdAt.getTime()).toBe(3_600_000);

    const validated = await harness.store.validate(session, 60);
    expect(validated).not.toBeNull();
    expect(validated?.userId).toBe(session.userId);
    expect(validated?.role).toBe("admin");
    expect(validated?.touched).toBe(false);
    expect(validated?.expiresAt.getTime()).toBe(times.expiresAt.getTime());
  });

  it("validate rejects an unknown token and another user's id", async () => {
    const session = newSession(await harness.newUserId());
    await harness.store.create(session);

    expect(await harness.store.validate({ tokenHash: hashSessionToken("nope"), userId: session.userId }, 60)).toBeNull();
    expect(await harness.store.validate({ tokenHash: session.tokenHash, userId: randomUUID() }, 60)).toBeNull();
  });

  it("touch slides the idle expiry only after the interval", async () => {
    const session = newSession(await harness.newUserId());
    const created = await harness.store.create(session);
    await sleep(20);

    const notDue = await harness.store.validate(session, 3600);
    expect(notDue?.touched).toBe(false);
    expect(notDue?.lastSeenAt.getTime()).toBe(created.lastSeenAt.getTime());

    const due = await harness.store.validate(session, 0);
    expect(due?.touched).toBe(true);
    expect(due!.lastSeenAt.getTime()).toBeGreaterThan(created.lastSeenAt.getTime());
    expect(due!.expiresAt.getTime()).toBe(due!.lastSeenAt.getTime() + 600_000);
    expect(due!.absoluteExpiresAt.getTime()).toBe(created.absoluteExpiresAt.getTime());
  });

  it("idle expiry never passes the absolute expiry", async () => {
    const session = newSession(await harness.newUserId(), { maxAgeSeconds: 120, idleTimeoutSeconds: 600 });
    const created = await harness.store.create(session);
    expect(created.expiresAt.getTime()).toBe(created.absoluteExpiresAt.getTime());

    const touched = await harness.store.validate(session, 0);
    expect(touched!.expiresAt.getTime()).toBe(created.absoluteExpiresAt.getTime());
  });

  it("revoke ends the session on the next validation", async () => {
    const session = newSession(await harness.newUserId());
    await harness.store.create(session);

    expect(await harness.store.revoke(session, "test")).toBe(true);
    expect(await harness.store.validate(session, 60)).toBeNull();
    expect(await harness.store.revoke(session, "test")).toBe(false);
  });

  it("health reports the store up with a latency", async () => {
    const check = await harness.store.checkHealth();
    expect(check.status).toBe("up");
    expect(check.latency_ms).toBeGreaterThanOrEqual(0);
    expect(check.error).toBeNull();
  });
});

// Counting needs a store of its own so that the other cases' sessions do not change the numbers.
describe.each(harnesses)("%s session counts", (name, makeHarness) => {
  const harness = useHarness(makeHarness);

  it("counts active, expired and revoked sessions and active users exactly", async () => {
    const [alice, bob, carol] = [await harness.newUserId(), await harness.newUserId(), await harness.newUserId()];

    for (const userId of [alice, alice, alice, bob, bob]) {
      await harness.store.create(newSession(userId));
    }
    const revoked = newSession(carol);
    await harness.store.create(revoked);
    await harness.store.revoke(revoked, "test");
    const idleExpiring = newSession(carol, { idleTimeoutSeconds: 1 });
    await harness.store.create(idleExpiring);
    await harness.store.create(newSession(carol, { maxAgeSeconds: 1, idleTimeoutSeconds: 1 }));

    const before = await harness.store.countSessions();
    expect(before.active).toBe(7);
    expect(before.activeUsers).toBe(3);

    await sleep(1_100);
    const after = await harness.store.countSessions();

    expect(after.active).toBe(5);
    expect(after.expired).toBe(2);
    expect(after.activeUsers).toBe(2);
    if (name === "redis") {
      // Redis deletes a revoked session outright.
      expect(after.total).toBe(7);
      expect(after.revoked).toBeNull();
    } else {
      expect(after.total).toBe(8);
      expect(after.revoked).toBe(1);
    }
    expect(Math.abs(after.measuredAt.getTime() - Date.now())).toBeLessThan(5_000);

    // An expired session is rejected, whatever is left of it in the store.
    expect(await harness.store.validate(idleExpiring, 60)).toBeNull();
  });
});
