import { randomUUID } from "node:crypto";

import type Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RedisSessionStore } from "@/lib/sessions/redis-store";
import { generateSessionToken, hashSessionToken } from "@/lib/sessions/token";
import type { NewSession } from "@/lib/sessions/types";

import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from "../support/redis";

function newSession(userId: string): NewSession {
  return {
    id: randomUUID(),
    tokenHash: hashSessionToken(generateSessionToken()),
    userId,
    role: "user",
    ip: null,
    userAgent: null,
    maxAgeSeconds: 3600,
    idleTimeoutSeconds: 600,
  };
}

describe("redis session counts with stray keys", () => {
  let redis: Redis;
  let prefix: string;
  let store: RedisSessionStore;
  const sessions: NewSession[] = [];

  beforeAll(async () => {
    redis = await connectTestRedis();
    prefix = uniquePrefix();
    store = new RedisSessionStore(redis, { keyPrefix: prefix, integrityIntervalMs: 3_600_000, cleanupIntervalMs: 3_600_000 });

    const users = [randomUUID(), randomUUID(), randomUUID()];
    for (const userId of [users[0], users[0], users[1], users[2], users[2]]) {
      const session = newSession(userId);
      await store.create(session);
      sessions.push(session);
    }
  });

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  const recordKey = (session: NewSession) => store.layout.sessionKeys(session.tokenHash, session.userId)[0];

  it("counts exactly and reports each kind of stray key", async () => {
    // One session's value overwritten by something unreadable, one session's TTL removed.
    await redis.set(recordKey(sessions[3]), "{not a session record", "KEEPTTL");
    await redis.persist(recordKey(sessions[4]));
    // A hash where a record belongs, and keys of our prefix that are not session keys at all.
    await redis.hset(`{${prefix}:0}:s:${hashSessionToken("stray")}`, "field", "value");
    await redis.rpush(`${prefix}:queue`, "job");
    await redis.sadd(`${prefix}:tags`, "a", "b");
    await redis.set(`${prefix}:plain`, "hello");

    await store.refreshIntegrity();
    const counts = await store.countSessions();

    expect(counts.active).toBe(3);
    expect(counts.total).toBe(3);
    expect(counts.expired).toBe(0);
    // Users are counted from the users index, which cannot see that a session is damaged. The
    // third user's only sessions are the two damaged ones, and the user is still counted.
    expect(counts.activeUsers).toBe(3);
    expect(counts.anomalies?.status).toBe("found");
    expect(counts.anomalies?.unreadable_values).toBe(1);
    expect(counts.anomalies?.keys_without_ttl).toBe(1);
    expect(counts.anomalies?.wrong_type_keys).toBe(1);
    expect(counts.anomalies?.orphan_index_entries).toBe(0);
    expect(counts.anomalies?.unindexed_records).toBe(0);
    expect(counts.anomalies?.scanned_keys).toBe(6);
  });

  it("rejects the unreadable session and restores the lost TTL on use", async () => {
    expect(await store.validate(sessions[3], 60)).toBeNull();

    expect(await redis.pttl(recordKey(sessions[4]))).toBe(-1);
    expect(await store.validate(sessions[4], 60)).not.toBeNull();
    expect(await redis.pttl(recordKey(sessions[4]))).toBeGreaterThan(0);
  });

  it("reports index entries whose record was deleted behind its back", async () => {
    await redis.del(recordKey(sessions[0]));

    await store.refreshIntegrity();
    const counts = await store.countSessions();

    expect(counts.anomalies?.orphan_index_entries).toBe(1);
    expect(counts.anomalies?.keys_without_ttl).toBe(0);
    expect(counts.active).toBe(3);
    expect(counts.total).toBe(3);
  });

  it("reports a valid record missing from the index", async () => {
    const { keys, member } = store.layout.session(sessions[1].tokenHash, sessions[1].userId);
    const [record, expiryIndex] = keys;
    await redis.zrem(expiryIndex, member);
    expect(await redis.exists(record)).toBe(1);

    await store.refreshIntegrity();
    const counts = await store.countSessions();

    expect(counts.anomalies?.unindexed_records).toBe(1);
    expect(counts.active).toBe(2);
  });
});
