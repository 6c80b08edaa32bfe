import "server-only";

import { and, asc, eq, gt, isNull, sql, type SQL } from "drizzle-orm";

import type { Database } from "@/lib/db/client";
import {
  sessionCounters,
  sessionExpiryBuckets,
  sessionExpirySeconds,
  sessions,
  userExpiry,
  userExpiryBuckets,
  userExpirySeconds,
  users,
  type UserRole,
} from "@/lib/db/schema";
import { logger } from "@/lib/logger";
import { describeError } from "@/lib/util/describe-error";

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

  constructor(
    private readonly getDb: () => Promise<Database>,
    private readonly options: { pruneBuckets?: boolean } = {},
  ) {}

  private readonly preparedByDb = new WeakMap<Database, ReturnType<typeof prepareStatements>>();

  /** Prepared statements of the hot paths: parsed and planned once per connection, not per call. */
  private prepared(db: Database) {
    let statements = this.preparedByDb.get(db);
    if (!statements) {
      statements = prepareStatements(db);
      this.preparedByDb.set(db, statements);
    }
    return statements;
  }

  /** The database behind this store, for queries that span sessions and users (lists, bulk updates). */
  database(): Promise<Database> {
    return this.getDb();
  }

  async create(session: NewSession, times?: SessionTimes, options: WriteOptions = {}): Promise<SessionTimes> {
    const db = await this.getDb();
    const [row] = await db.insert(sessions).values(sessionRow(session, times, options)).returning(timesColumns);
    return row;
  }

  /**
   * Inserts many sessions with known times in one statement: the bulk path of the benchmark and
   * of imports. The rows are the ones `create` would write, built by the same function.
   */
  async createMany(entries: Array<{ session: NewSession; times: SessionTimes; revokedAt?: Date }>): Promise<void> {
    if (entries.length === 0) return;
    const db = await this.getDb();
    await db.insert(sessions).values(
      entries.map(({ session, times, revokedAt }) => ({
        ...sessionRow(session, times, {}),
        ...(revokedAt ? { revokedAt, revokedReason: "import" } : {}),
      })),
    );
  }

  async validate(
    target: SessionTarget,
    touchIntervalSeconds: number,
    options: WriteOptions = {},
  ): Promise<ValidatedSession | null> {
    const db = await this.getDb();
    const [found] = await this.prepared(db).validate.execute({
      tokenHash: target.tokenHash,
      userId: target.userId,
      touchIntervalSeconds,
    });

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

  /**
   * Counts from the counters the triggers keep (see the schema), so the cost does not grow with the
   * number of sessions: minute buckets for the rest of the session lifetime, second buckets for
   * the rest of this minute, and an index range over the sessions that expire within this second.
   */
  async countSessions(): Promise<SessionCounts> {
    const db = await this.getDb();
    const [row] = await this.prepared(db).count.execute();

    this.prunePastBuckets(db);
    const total = Number(row.total);
    const revoked = Number(row.revoked);
    const active = Number(row.activeMinutes) + Number(row.activeSeconds) + Number(row.activeNow);
    return {
      total,
      active,
      expired: total - revoked - active,
      revoked,
      activeUsers: Number(row.usersMinutes) + Number(row.usersSeconds) + Number(row.usersNow),
      measuredAt: new Date(row.measuredAt),
      anomalies: null,
    };
  }

  /** Counts by scanning the sessions table: slow, exact, and independent of the counters. */
  async recountSessions(): Promise<SessionCounts> {
    const db = await this.getDb();
    const live = sql`${sessions.revokedAt} is null and ${sessions.expiresAt} > now()`;
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

    return { ...row, measuredAt: new Date(row.measuredAt), anomalies: null };
  }

  /** Rebuilds every counter from the sessions table (after a bulk load, or to repair them). */
  async rebuildCounters(): Promise<void> {
    const db = await this.getDb();
    await db.execute(sql`select session_counts_rebuild()`);
  }

  private prunedAt = 0;

  /**
   * Deletes buckets of minutes that have passed; nothing reads them. At most once a minute, in
   * the background.
   */
  private prunePastBuckets(db: Database): void {
    if (this.options.pruneBuckets === false || Date.now() - this.prunedAt < 60_000) return;
    this.prunedAt = Date.now();

    const cutoff = sql`date_trunc('minute', now()) - interval '1 minute'`;
    Promise.all([
      db.delete(sessionExpiryBuckets).where(sql`${sessionExpiryBuckets.bucket} < ${cutoff}`),
      db.delete(userExpiryBuckets).where(sql`${userExpiryBuckets.bucket} < ${cutoff}`),
      db.delete(sessionExpirySeconds).where(sql`${sessionExpirySeconds.bucket} < ${cutoff}`),
      db.delete(userExpirySeconds).where(sql`${userExpirySeconds.bucket} < ${cutoff}`),
    ]).catch((error: unknown) => logger.warn("could not prune past expiry buckets", { error: describeError(error) }));
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

  /** Live sessions ordered by id, after `afterId`: what a Redis that lost its data must hold again. */
  listLive(afterId: string | null, limit: number): Promise<UnsyncedSession[]> {
    return this.selectSessions(
      and(isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`), afterId ? gt(sessions.id, afterId) : undefined),
      limit,
    );
  }

  /** Marks every row synced, after a rebuild wrote them all to Redis. */
  async markAllSynced(): Promise<void> {
    const db = await this.getDb();
    await db.update(sessions).set({ redisSynced: true }).where(eq(sessions.redisSynced, false));
  }

  private selectUnsynced(condition: ReturnType<typeof and>, limit: number): Promise<UnsyncedSession[]> {
    return this.selectSessions(and(eq(sessions.redisSynced, false), condition), limit);
  }

  private async selectSessions(condition: ReturnType<typeof and>, limit: number): Promise<UnsyncedSession[]> {
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
      .where(condition)
      .orderBy(asc(sessions.id))
      .limit(limit);
  }
}

function prepareStatements(db: Database) {
  const nextSecond = sql`date_trunc('second', now()) + interval '1 second'`;
  const nextMinute = sql`date_trunc('minute', now()) + interval '1 minute'`;
  const sumSince = (table: typeof sessionExpiryBuckets | typeof sessionExpirySeconds, from: SQL, to?: SQL) =>
    sql<string>`(select coalesce(sum(${table.sessions}), 0) from ${table} where ${table.bucket} >= ${from}${to ? sql` and ${table.bucket} < ${to}` : sql``})`;
  const usersSince = (table: typeof userExpiryBuckets | typeof userExpirySeconds, from: SQL, to?: SQL) =>
    sql<string>`(select coalesce(sum(${table.users}), 0) from ${table} where ${table.bucket} >= ${from}${to ? sql` and ${table.bucket} < ${to}` : sql``})`;

  const touchInterval = sql`make_interval(secs => ${sql.placeholder("touchIntervalSeconds")}::int)`;
  return {
    validate: db
      .select({
        id: sessions.id,
        role: users.role,
        ...timesColumns,
        touchDue: sql<boolean>`${sessions.lastSeenAt} <= now() - ${touchInterval}`,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          eq(sessions.tokenHash, sql.placeholder("tokenHash")),
          eq(sessions.userId, sql.placeholder("userId")),
          isNull(sessions.revokedAt),
          gt(sessions.expiresAt, sql`now()`),
        ),
      )
      .limit(1)
      .prepare("session_validate"),
    count: db
      .select({
        total: sql<string>`(select coalesce(sum(${sessionCounters.total}), 0) from ${sessionCounters})`,
        revoked: sql<string>`(select coalesce(sum(${sessionCounters.revoked}), 0) from ${sessionCounters})`,
        activeMinutes: sumSince(sessionExpiryBuckets, nextMinute),
        activeSeconds: sumSince(sessionExpirySeconds, nextSecond, nextMinute),
        activeNow: sql<string>`(select count(*) from ${sessions} where ${sessions.revokedAt} is null and ${sessions.expiresAt} > now() and ${sessions.expiresAt} < ${nextSecond})`,
        usersMinutes: usersSince(userExpiryBuckets, nextMinute),
        usersSeconds: usersSince(userExpirySeconds, nextSecond, nextMinute),
        usersNow: sql<string>`(select count(*) from ${userExpiry} where ${userExpiry.maxExpiresAt} > now() and ${userExpiry.maxExpiresAt} < ${nextSecond})`,
        measuredAt: sql<string>`now()`,
      })
      .from(sql`(select 1) as clock`)
      .prepare("session_count"),
  };
}

/** The row of a new session; without `times` the database clock sets them. */
function sessionRow(session: NewSession, times: SessionTimes | undefined, options: WriteOptions) {
  const maxAge = sql`make_interval(secs => ${session.maxAgeSeconds})`;
  const idle = sql`make_interval(secs => ${session.idleTimeoutSeconds})`;
  return {
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
  };
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
