import "server-only";

import { and, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, sql, type SQL } from "drizzle-orm";

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

/**
 * `<<=` is "contained in or equal", so a single address and a network both work. A narrow network
 * has few sessions: the GiST index finds them and they are sorted. A broad one can have many, and
 * sorting them all would be slow, so the function form hides the condition from the index and the
 * list is read newest-first until a page is full.
 * NOTE: a broad network with very few sessions in a large table reads far down the list.
 */
function ipCondition(network: string): SQL {
  const [address, prefix] = network.split("/");
  const ipv6 = address.includes(":");
  const fullLength = ipv6 ? 128 : 32;
  const bits = prefix === undefined ? fullLength : Number(prefix);
  const narrow = ipv6 ? bits >= 64 : bits >= 24;
  return narrow ? sql`${sessions.ip} <<= ${network}::inet` : sql`network_subeq(${sessions.ip}, ${network}::inet)`;
}

const liveCondition = () => and(isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`));

const statusConditions: Record<SessionStatus, () => SQL | undefined> = {
  active: liveCondition,
  expired: () => and(isNull(sessions.revokedAt), lte(sessions.expiresAt, sql`now()`)),
  revoked: () => isNotNull(sessions.revokedAt),
};

// Up to this many users matching an email search are looked up by id; a broader search reads
// the list newest-first instead, where matches are frequent enough to fill a page quickly.
const maxEmailMatches = 1000;

/**
 * Resolves an email search to user ids first (trigram index), so that the sessions of a few
 * matching users are read by the user index instead of by scanning the whole list for them.
 */
async function emailCondition(db: Database, email: string): Promise<SQL> {
  const pattern = `%${escapeLike(email)}%`;
  const matches = await db
    .select({ id: users.id })
    .from(users)
    .where(sql`${users.email} ilike ${pattern}`)
    .limit(maxEmailMatches + 1);

  if (matches.length > maxEmailMatches) {
    return sql`${sessions.userId} in (select ${users.id} from ${users} where ${users.email} ilike ${pattern})`;
  }
  if (matches.length === 0) {
    return sql`false`;
  }
  return inArray(sessions.userId, matches.map((match) => match.id));
}

/** Builds the WHERE clause of a filter. Every condition has an index behind it. */
export async function sessionFilterCondition(db: Database, filter: SessionFilter): Promise<SQL | undefined> {
  const conditions: Array<SQL | undefined> = [];

  if (filter.email) {
    conditions.push(await emailCondition(db, filter.email));
  }
  if (filter.user_id) conditions.push(eq(sessions.userId, filter.user_id));
  if (filter.status) conditions.push(statusConditions[filter.status]());
  if (filter.ip) conditions.push(ipCondition(filter.ip));
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

const newestFirst = [sql`${sessions.createdAt} desc nulls last`, sql`${sessions.id} desc nulls last`];

function prepareUnfilteredPages(db: Database) {
  const keyset = sql`(${sessions.createdAt}, ${sessions.id}) < (${sql.placeholder("createdAt")}::timestamptz, ${sql.placeholder("id")}::uuid)`;
  return {
    first: selectRows(db).orderBy(...newestFirst).limit(sql.placeholder("limit")).prepare("session_list_first_page"),
    next: selectRows(db).where(keyset).orderBy(...newestFirst).limit(sql.placeholder("limit")).prepare("session_list_next_page"),
  };
}

// Planning this join over a table with many indexes costs more than running it, so the
// unfiltered pages, which dashboards read most, use prepared statements with cached plans.
const preparedPages = new WeakMap<Database, ReturnType<typeof prepareUnfilteredPages>>();

/**
 * Reads one page, newest first, by keyset: `after` is the (created_at, id) of the previous page's
 * last row. Reads `limit + 1` rows so the caller knows whether another page follows.
 */
export async function selectSessionPage(
  db: Database,
  query: { filter: SessionFilter; limit: number; after: { createdAt: string; id: string } | null },
): Promise<SessionListRow[]> {
  if (Object.keys(query.filter).length === 0) {
    let prepared = preparedPages.get(db);
    if (!prepared) {
      prepared = prepareUnfilteredPages(db);
      preparedPages.set(db, prepared);
    }
    const rows = query.after
      ? await prepared.next.execute({ limit: query.limit + 1, createdAt: query.after.createdAt, id: query.after.id })
      : await prepared.first.execute({ limit: query.limit + 1 });
    return rows.map(withDate);
  }

  const keyset = query.after
    ? sql`(${sessions.createdAt}, ${sessions.id}) < (${query.after.createdAt}::timestamptz, ${query.after.id}::uuid)`
    : undefined;

  const rows = await selectRows(db)
    .where(and(await sessionFilterCondition(db, query.filter), keyset))
    // NULLS LAST matches the indexes, so PostgreSQL can read them in order instead of sorting.
    .orderBy(...newestFirst)
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
        await sessionFilterCondition(db, filter),
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
  const filterCondition = await sessionFilterCondition(db, options.filter);
  const batch = db
    .select({ id: sessions.id })
    .from(sessions)
    .where(
      and(
        filterCondition,
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
