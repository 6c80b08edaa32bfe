import "server-only";

import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";

import type { Database } from "@/lib/db/client";
import { sessions, users, type UserRole } from "@/lib/db/schema";

import type {
  NewSession,
  SessionCounts,
  SessionStore,
  SessionTarget,
  SessionTimes,
  StoreCheck,
  ValidatedSession,
} from "./types";
import { parseUserAgent } from "./user-agent";

/** A row written while Redis was unavailable, to be replayed into Redis. */
export interface UnsyncedSession extends SessionTimes {
  id: string;
  tokenHash: string;
  userId: string;
  role: UserRole;
  idleTimeoutSeconds: number;
  revoked: boolean;
  live: boolean;
  revokedAt: Date | null;
}

interface WriteOptions {
  /** False when Redis did not receive this change; the row is then replayed into Redis later. */
  redisSynced?: boolean;
}

const timesColumns = {
  createdAt: sessions.createdAt,
  lastSeenAt: sessions.lastSeenAt,
  absoluteExpiresAt: sessions.absoluteExpiresAt,
  expiresAt: sessions.expiresAt,
};

/**
 * The PostgreSQL implementation of SessionStore. Every expiry comparison uses the database's
 * now(), so application servers with skewed clocks agree.
 */
export class DatabaseSessionStore implements SessionStore {
  readonly kind = "database" as const;

  constructor(private readonly getDb: () => Promise<Database>) {}

  /** The database behind this store, for queries that span sessions and users (lists, bulk updates). */
  database(): Promise<Database> {
    return this.getDb();
  }

  async create(session: NewSession, times?: SessionTimes, options: WriteOptions = {}): Promise<SessionTimes> {
    const db = await this.getDb();
    const maxAge = sql`make_interval(secs => ${session.maxAgeSeconds})`;
    const idle = sql`make_interval(secs => ${session.idleTimeoutSeconds})`;

    const [row] = await db
      .insert(sessions)
      .values({
        id: session.id,
        tokenHash: session.tokenHash,
        userId: session.userId,
        createdAt: times?.createdAt ?? sql`now()`,
        lastSeenAt: times?.lastSeenAt ?? sql`now()`,
        absoluteExpiresAt: times?.absoluteExpiresAt ?? sql`now() + ${maxAge}`,
        idleTimeoutSeconds: session.idleTimeoutSeconds,
        expiresAt: times?.expiresAt ?? sql`now() + least(${maxAge}, ${idle})`,
        ip: session.ip,
        userAgent: session.userAgent,
        ...userAgentColumns(session.userAgent),
        country: session.country ?? null,
        redisSynced: options.redisSynced ?? true,
      })
      .returning(timesColumns);
    return row;
  }

  async validate(
    target: SessionTarget,
    touchIntervalSeconds: number,
    options: WriteOptions = {},
  ): Promise<ValidatedSession | null> {
    const db = await this.getDb();
    const [found] = await db
      .select({
        id: sessions.id,
        role: users.role,
        ...timesColumns,
        touchDue: sql<boolean>`${sessions.lastSeenAt} <= now() - make_interval(secs => ${touchIntervalSeconds})`,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          eq(sessions.tokenHash, target.tokenHash),
          eq(sessions.userId, target.userId),
          isNull(sessions.revokedAt),
          gt(sessions.expiresAt, sql`now()`),
        ),
      )
      .limit(1);

    if (!found) {
      return null;
    }

    const base = { tokenHash: target.tokenHash, userId: target.userId, role: found.role };
    if (!found.touchDue) {
      return { ...base, ...pickTimes(found), touched: false };
    }

    // The revoked_at and expiry conditions are repeated so that a concurrent revoke always wins:
    // a touch can never bring a revoked or expired session back.
    const [touched] = await db
      .update(sessions)
      .set({
        lastSeenAt: sql`now()`,
        expiresAt: sql`least(${sessions.absoluteExpiresAt}, now() + make_interval(secs => ${sessions.idleTimeoutSeconds}))`,
        ...(options.redisSynced === false ? { redisSynced: false } : {}),
      })
      .where(and(eq(sessions.id, found.id), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)))
      .returning(timesColumns);

    return touched ? { ...base, ...touched, touched: true } : null;
  }

  async revoke(target: SessionTarget, reason: string, options: WriteOptions = {}): Promise<boolean> {
    const { updated, liveInCopy } = await this.revokeRow(target, reason, options);
    return updated && liveInCopy;
  }

  /**
   * Marks a session revoked. `updated` is false when it was already revoked, so of two concurrent
   * revokes exactly one sees true; `liveInCopy` tells whether this row had not expired.
   */
  async revokeRow(
    target: SessionTarget,
    reason: string,
    options: WriteOptions = {},
  ): Promise<{ updated: boolean; liveInCopy: boolean }> {
    const db = await this.getDb();
    const ended = await db
      .update(sessions)
      .set({
        revokedAt: sql`now()`,
        revokedReason: reason,
        ...(options.redisSynced === false ? { redisSynced: false } : {}),
      })
      .where(and(eq(sessions.tokenHash, target.tokenHash), isNull(sessions.revokedAt)))
      .returning({ live: sql<boolean>`${sessions.expiresAt} > now()` });
    return { updated: ended.length > 0, liveInCopy: ended.some((row) => row.live) };
  }

  async countSessions(): Promise<SessionCounts> {
    const db = await this.getDb();
    const live = sql`${sessions.revokedAt} is null and ${sessions.expiresAt} > now()`;
    // TODO: this scans the table; at a million rows it takes about 100 ms. Replace with counters
    // maintained on write (expiry buckets) so the cost does not grow with the table.
    const [row] = await db
      .select({
        total: sql<number>`count(*)::int`,
        active: sql<number>`(count(*) filter (where ${live}))::int`,
        expired: sql<number>`(count(*) filter (where ${sessions.revokedAt} is null and ${sessions.expiresAt} <= now()))::int`,
        revoked: sql<number>`(count(*) filter (where ${sessions.revokedAt} is not null))::int`,
        activeUsers: sql<number>`(count(distinct ${sessions.userId}) filter (where ${live}))::int`,
        measuredAt: sql<string>`now()`,
      })
      .from(sessions);

    return {
      total: row.total,
      active: row.active,
      expired: row.expired,
      revoked: row.revoked,
      activeUsers: row.activeUsers,
      measuredAt: new Date(row.measuredAt),
      anomalies: null,
    };
  }

  async checkHealth(): Promise<StoreCheck> {
    const db = await this.getDb();
    const startedAt = performance.now();
    await db.execute(sql`select 1`);
    return { status: "up", latency_ms: Math.round((performance.now() - startedAt) * 100) / 100, error: null };
  }

  /** Copies a touch that Redis decided into the backup row, so the fallback sees the same expiry. */
  async recordTouch(target: SessionTarget, times: SessionTimes): Promise<void> {
    const db = await this.getDb();
    await db
      .update(sessions)
      .set({ lastSeenAt: times.lastSeenAt, expiresAt: times.expiresAt })
      .where(and(eq(sessions.tokenHash, target.tokenHash), isNull(sessions.revokedAt)));
  }

  /** Marks a row as not yet in Redis, after a Redis write failed. */
  async markUnsynced(tokenHash: string): Promise<void> {
    const db = await this.getDb();
    await db.update(sessions).set({ redisSynced: false }).where(eq(sessions.tokenHash, tokenHash));
  }

  /** A live session written during a Redis outage and not replayed yet, or null. */
  async findUnsyncedLive(target: SessionTarget): Promise<UnsyncedSession | null> {
    const [row] = await this.selectUnsynced(
      and(eq(sessions.tokenHash, target.tokenHash), eq(sessions.userId, target.userId)),
      1,
    );
    return row && row.live && !row.revoked ? row : null;
  }

  /** Rows written during a Redis outage, ordered by id, after `afterId`. */
  listUnsynced(afterId: string | null, limit: number): Promise<UnsyncedSession[]> {
    return this.selectUnsynced(afterId ? gt(sessions.id, afterId) : undefined, limit);
  }

  /**
   * Marks a replayed row as synced, unless it changed after it was read; a row touched or revoked
   * meanwhile stays unsynced and is replayed again.
   */
  async markSynced(row: UnsyncedSession): Promise<void> {
    const db = await this.getDb();
    await db
      .update(sessions)
      .set({ redisSynced: true })
      .where(
        and(
          eq(sessions.id, row.id),
          eq(sessions.lastSeenAt, row.lastSeenAt),
          row.revokedAt ? eq(sessions.revokedAt, row.revokedAt) : isNull(sessions.revokedAt),
        ),
      );
  }

  private async selectUnsynced(condition: ReturnType<typeof and>, limit: number): Promise<UnsyncedSession[]> {
    const db = await this.getDb();
    return db
      .select({
        id: sessions.id,
        tokenHash: sessions.tokenHash,
        userId: sessions.userId,
        role: users.role,
        idleTimeoutSeconds: sessions.idleTimeoutSeconds,
        revokedAt: sessions.revokedAt,
        revoked: sql<boolean>`${sessions.revokedAt} is not null`,
        live: sql<boolean>`${sessions.expiresAt} > now()`,
        ...timesColumns,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.redisSynced, false), condition))
      .orderBy(asc(sessions.id))
      .limit(limit);
  }
}

function userAgentColumns(userAgent: string | null) {
  const parsed = parseUserAgent(userAgent);
  return { browser: parsed.browser, os: parsed.os, deviceType: parsed.deviceType };
}

function pickTimes(row: SessionTimes): SessionTimes {
  return {
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    absoluteExpiresAt: row.absoluteExpiresAt,
    expiresAt: row.expiresAt,
  };
}
