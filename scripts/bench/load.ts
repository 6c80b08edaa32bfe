import type { Database } from "@/lib/db/client";
import { users } from "@/lib/db/schema";
import type { DatabaseSessionStore } from "@/lib/sessions/database-store";
import type { RedisSessionStore } from "@/lib/sessions/redis-store";

import { seededRandom, type GeneratedSession } from "./data";

const batchSize = 2000;

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** Inserts `count` users and returns their ids. They cannot sign in: the hash matches nothing. */
export async function insertUsers(db: Database, count: number, seed: number): Promise<string[]> {
  const random = seededRandom(seed);
  const ids: string[] = [];
  for (const batch of chunks(Array.from({ length: count }, (_, index) => index), 5000)) {
    const rows = batch.map((index) => ({
      email: `bench-${seed}-${index}-${Math.floor(random() * 1e9)}@example.com`,
      name: `Bench User ${index}`,
      role: "user" as const,
      passwordHash: "scrypt$bench$not-a-hash",
    }));
    const inserted = await db.insert(users).values(rows).returning({ id: users.id });
    ids.push(...inserted.map((row) => row.id));
  }
  return ids;
}

/** Writes sessions to PostgreSQL in multi-row statements (the triggers keep the counters). */
export async function loadPostgres(store: DatabaseSessionStore, sessions: GeneratedSession[]): Promise<void> {
  for (const batch of chunks(sessions, batchSize)) {
    await store.createMany(
      batch.map((entry) => ({
        session: entry.session,
        times: entry.times,
        revokedAt: entry.revoked ? new Date(entry.times.lastSeenAt.getTime() + 1000) : undefined,
      })),
    );
  }
}

/**
 * Writes the live sessions to Redis through the store's own create script, many at a time so
 * ioredis pipelines them; revoked and already expired sessions are not kept in Redis. Returns how
 * many sessions Redis now holds from this batch.
 */
export async function loadRedis(store: RedisSessionStore, sessions: GeneratedSession[], now: number): Promise<number> {
  const live = sessions.filter((entry) => !entry.revoked && entry.times.expiresAt.getTime() > now);
  for (const batch of chunks(live, batchSize)) {
    await Promise.all(batch.map((entry) => store.create(entry.session, entry.times)));
  }
  return live.length;
}
