import "server-only";

import { and, eq, gt, gte, isNotNull, isNull, lt, lte, sql, type SQL } from "drizzle-orm";

import type { SessionFilter, SessionStatus } from "@/lib/sessions/list-query";

import type { Database } from "../client";
import { sessions, users, type UserRole } from "../schema";

export interface SessionListRow {
  id: string;
  tokenHash: string;
  userId: string;
  email: string;
  name: string | null;
  role: UserRole;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  absoluteExpiresAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
  ip: string | null;
  userAgent: string | null;
  browser: string | null;
  os: string | null;
  deviceType: string | null;
  country: string | null;
  redisSynced: boolean;
  status: SessionStatus;
  /** The database clock when the page was read. */
  now: Date;
}

/** `%`, `_` and `\` are wildcards in LIKE; a search for them must match them literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

const liveCondition = () => and(isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`));

const statusConditions: Record<SessionStatus, () => SQL | undefined> = {
  active: liveCondition,
  expired: () => and(isNull(sessions.revokedAt), lte(sessions.expiresAt, sql`now()`)),
  revoked: () => isNotNull(sessions.revokedAt),
};

/** Builds the WHERE clause of a filter. Every condition has an index that keeps the list order. */
export function sessionFilterCondition(filter: SessionFilter): SQL | undefined {
  const conditions: Array<SQL | undefined> = [];

  if (filter.email) {
    const pattern = `%${escapeLike(filter.email)}%`;
    conditions.push(sql`${sessions.userId} in (select ${users.id} from ${users} where ${users.email} ilike ${pattern})`);
  }
  if (filter.user_id) conditions.push(eq(sessions.userId, filter.user_id));
  if (filter.status) conditions.push(statusConditions[filter.status]());
  // `<<=` is "contained in or equal", so a single address and a network both work.
  if (filter.ip) conditions.push(sql`${sessions.ip} <<= ${filter.ip}::inet`);
  if (filter.browser) conditions.push(eq(sessions.browser, filter.browser));
  if (filter.os) conditions.push(eq(sessions.os, filter.os));
  if (filter.created_after) conditions.push(gte(sessions.createdAt, new Date(filter.created_after)));
  if (filter.created_before) conditions.push(lt(sessions.createdAt, new Date(filter.created_before)));

  return and(...conditions);
}

const statusExpression = sql<SessionStatus>`case
  when ${sessions.revokedAt} is not null then 'revoked'
  when ${sessions.expiresAt} <= now() then 'expired'
  else 'active' end`;

const listColumns = {
  id: sessions.id,
  tokenHash: sessions.tokenHash,
  userId: sessions.userId,
  email: users.email,
  name: users.name,
  role: users.role,
  createdAt: sessions.createdAt,
  lastSeenAt: sessions.lastSeenAt,
  expiresAt: sessions.expiresAt,
  absoluteExpiresAt: sessions.absoluteExpiresAt,
  revokedAt: sessions.revokedAt,
  revokedReason: sessions.revokedReason,
  ip: sessions.ip,
  userAgent: sessions.userAgent,
  browser: sessions.browser,
  os: sessions.os,
  deviceType: sessions.deviceType,
  country: sessions.country,
  redisSynced: sessions.redisSynced,
  status: statusExpression,
  now: sql<string>`now()`,
};

function selectRows(db: Database) {
  return db.select(listColumns).from(sessions).innerJoin(users, eq(users.id, sessions.userId));
}

function withDate<T extends { now: string }>(row: T): Omit<T, "now"> & { now: Date } {
  return { ...row, now: new Date(row.now) };
}

/**
 * Reads one page, newest first, by keyset: `after` is the (created_at, id) of the previous page's
 * last row. Reads `limit + 1` rows so the caller knows whether another page follows.
 */
export async function selectSessionPage(
  db: Database,
  query: { filter: SessionFilter; limit: number; after: { createdAt: string; id: string } | null },
): Promise<SessionListRow[]> {
  const keyset = query.after
    ? sql`(${sessions.createdAt}, ${sessions.id}) < (${query.after.createdAt}::timestamptz, ${query.after.id}::uuid)`
    : undefined;

  const rows = await selectRows(db)
    .where(and(sessionFilterCondition(query.filter), keyset))
    // NULLS LAST matches the indexes, so PostgreSQL can read them in order instead of sorting.
    .orderBy(sql`${sessions.createdAt} desc nulls last`, sql`${sessions.id} desc nulls last`)
    .limit(query.limit + 1);
  return rows.map(withDate);
}

export async function selectSessionById(db: Database, id: string): Promise<SessionListRow | undefined> {
  const [row] = await selectRows(db).where(eq(sessions.id, id)).limit(1);
  return row && withDate(row);
}

/** Counts the live sessions, and their users, that a bulk sign-out with this filter would end. */
export async function countLiveSessions(
  db: Database,
  filter: SessionFilter,
  exceptTokenHash: string | null,
): Promise<{ sessions: number; users: number }> {
  const [row] = await db
    .select({
      sessions: sql<number>`count(*)::int`,
      users: sql<number>`count(distinct ${sessions.userId})::int`,
    })
    .from(sessions)
    .where(
      and(
        sessionFilterCondition(filter),
        liveCondition(),
        exceptTokenHash ? sql`${sessions.tokenHash} <> ${exceptTokenHash}` : undefined,
      ),
    );
  return row;
}

export interface RevokedSession {
  id: string;
  tokenHash: string;
  userId: string;
  /** False when this row had passed its expiry; in Redis mode Redis may still have extended it. */
  liveInCopy: boolean;
}

/**
 * Revokes up to `batchSize` sessions matching the filter in one statement and returns them.
 * With `candidates: "unexpired"` it takes rows whose expiry has not passed. With
 * `"within-absolute"` it takes every row before its absolute expiry, which Redis mode needs
 * because the copy's idle expiry can trail Redis.
 * SKIP LOCKED lets two bulk sign-outs run side by side without waiting on each other's rows.
 */
export async function revokeLiveSessionsBatch(
  db: Database,
  options: {
    filter: SessionFilter;
    exceptTokenHash: string | null;
    reason: string;
    redisSynced: boolean;
    batchSize: number;
    candidates: "unexpired" | "within-absolute";
  },
): Promise<RevokedSession[]> {
  const notOver =
    options.candidates === "unexpired"
      ? liveCondition()
      : and(isNull(sessions.revokedAt), gt(sessions.absoluteExpiresAt, sql`now()`));
  const batch = db
    .select({ id: sessions.id })
    .from(sessions)
    .where(
      and(
        sessionFilterCondition(options.filter),
        notOver,
        options.exceptTokenHash ? sql`${sessions.tokenHash} <> ${options.exceptTokenHash}` : undefined,
      ),
    )
    .limit(options.batchSize)
    .for("update", { skipLocked: true });

  return db
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: options.reason, redisSynced: options.redisSynced })
    .where(sql`${sessions.id} in ${batch}`)
    .returning({
      id: sessions.id,
      tokenHash: sessions.tokenHash,
      userId: sessions.userId,
      liveInCopy: sql<boolean>`${sessions.expiresAt} > now()`,
    });
}
