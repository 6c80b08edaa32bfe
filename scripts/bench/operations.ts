import { randomUUID } from "node:crypto";

import { sql } from "drizzle-orm";

import type { Database } from "@/lib/db/client";
import { sessions } from "@/lib/db/schema";
import type { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { listSessions } from "@/lib/sessions/list-sessions";
import type { RedisSessionStore } from "@/lib/sessions/redis-store";
import type { SessionManager } from "@/lib/sessions/session-manager";
import { generateSessionToken, hashSessionToken } from "@/lib/sessions/token";
import type { NewSession, SessionStore, SessionTarget } from "@/lib/sessions/types";

import { measure, measurePair, type Timing } from "./measure";

export type Measured = Record<string, Timing>;

function newSession(userId: string): NewSession {
  return {
    id: randomUUID(),
    tokenHash: hashSessionToken(generateSessionToken()),
    userId,
    role: "user",
    ip: "192.0.2.1",
    userAgent: "session-console-bench",
    maxAgeSeconds: 8 * 3600,
    idleTimeoutSeconds: 1800,
  };
}

/** Validation, create and revoke, common to every store. */
export async function measureStoreOperations(store: SessionStore, samples: SessionTarget[], userIds: string[], reps: number): Promise<Measured> {
  const created: NewSession[] = [];

  return {
    // Warm-up covers every sample once, so the measured runs see sessions touched within the
    // minute, as most requests do.
    validate: await measure((iteration) => store.validate(samples[iteration % samples.length], 60), { warmup: samples.length, reps }),
    create: await measure(
      async (iteration) => {
        const session = newSession(userIds[iteration % userIds.length]);
        created.push(session);
        await store.create(session);
      },
      { reps },
    ),
    revoke: await measure((iteration) => store.revoke(created[iteration], "bench"), { reps }),
  };
}

/** Measures the session list's first page and a page halfway down by keyset, and by OFFSET for contrast. */
export async function measureListing(manager: SessionManager, db: Database, size: number, reps: number): Promise<Measured> {
  const newestFirst = [sql`${sessions.createdAt} desc nulls last`, sql`${sessions.id} desc nulls last`];
  const halfway = Math.floor(size / 2);
  const [middle] = await db
    .select({ createdAt: sessions.createdAt, id: sessions.id })
    .from(sessions)
    .orderBy(...newestFirst)
    .offset(halfway)
    .limit(1);
  const cursor = { createdAt: middle.createdAt.toISOString(), id: middle.id };

  return {
    "list-first-page": await measure(() => listSessions(manager, { filter: {}, limit: 50, cursor: null }, null), { reps }),
    "list-middle-page": await measure(() => listSessions(manager, { filter: {}, limit: 50, cursor }, null), { reps }),
    // Filters served by an index in list order, and the two that find rows first and sort them.
    "list-browser-page": await measure(() => listSessions(manager, { filter: { browser: "Firefox" }, limit: 50, cursor: null }, null), { reps }),
    "list-active-page": await measure(() => listSessions(manager, { filter: { status: "active" }, limit: 50, cursor: null }, null), { reps }),
    "list-cidr-page": await measure(() => listSessions(manager, { filter: { ip: "10.1.0.0/16" }, limit: 50, cursor: null }, null), { reps }),
    "list-email-page": await measure(() => listSessions(manager, { filter: { email: "-7777-" }, limit: 50, cursor: null }, null), { reps }),
    // The naive way to the same page, for contrast.
    "list-offset-middle-page": await measure(
      () => db.select({ id: sessions.id }).from(sessions).orderBy(...newestFirst).offset(halfway).limit(50),
      { warmup: 2, reps: 20 },
    ),
  };
}

export async function measurePostgresStatistics(store: DatabaseSessionStore, reps: number): Promise<Measured> {
  return {
    statistics: await measure(() => store.countSessions(), { reps }),
    "statistics-full-scan": await measure(() => store.recountSessions(), { warmup: 2, reps: 20 }),
  };
}

/** PING and the statistics count, measured alternately (see measurePair). */
export async function measureRedisStatistics(store: RedisSessionStore, ping: () => Promise<unknown>, reps: number): Promise<Measured> {
  const [pingTiming, statistics] = await measurePair(ping, () => store.countSessions(), { reps: Math.max(reps, 100) });
  return { ping: pingTiming, statistics };
}
