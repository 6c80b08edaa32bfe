import "server-only";

import { sql } from "drizzle-orm";

import type { Database } from "../client";
import { failedSignInsMinutely, sessionEventsMinutely, sessionSamplesMinutely, sessions, users } from "../schema";

const minuteMs = 60_000;
// The per-user rules name a few users in their message; more would not fit a chat line.
const topUsersLimit = 5;
// Bounds the (user, country) rows read per evaluation, whatever the traffic.
const userCountryRowsLimit = 5000;

type Rows<T> = T[] | { rows: T[] };
const rowsOf = <T>(result: unknown): T[] => {
  const value = result as Rows<T>;
  return Array.isArray(value) ? value : value.rows;
};

export async function selectActiveSessionSamples(db: Database, since: Date): Promise<Array<{ minute: Date; activeSessions: number }>> {
  const rows = await db
    .select({ minute: sessionSamplesMinutely.minute, activeSessions: sessionSamplesMinutely.activeSessions })
    .from(sessionSamplesMinutely)
    .where(sql`${sessionSamplesMinutely.minute} >= ${since.toISOString()}::timestamptz`)
    .orderBy(sessionSamplesMinutely.minute);
  return rows;
}

/**
 * Reads the sign-ins of the minute `lastMinute` and the average per minute over the 60 minutes
 * before it from the recorded history. Returns null when that minute has not been recorded. A
 * minute missing from the hour before counts as no sign-ins.
 */
export async function selectSignInRates(db: Database, lastMinute: Date): Promise<{ lastMinute: number; trailingHourAverage: number } | null> {
  const hourBefore = new Date(lastMinute.getTime() - 60 * minuteMs);
  const result = await db.execute(sql`
    select
      (select ${sessionEventsMinutely.signIns} from ${sessionEventsMinutely} where ${sessionEventsMinutely.minute} = ${lastMinute.toISOString()}::timestamptz) as last_minute,
      (select coalesce(sum(${sessionEventsMinutely.signIns}), 0) from ${sessionEventsMinutely}
        where ${sessionEventsMinutely.minute} >= ${hourBefore.toISOString()}::timestamptz and ${sessionEventsMinutely.minute} < ${lastMinute.toISOString()}::timestamptz) as hour_total
  `);
  const [row] = rowsOf<{ last_minute: number | string | null; hour_total: number | string }>(result);
  if (!row || row.last_minute === null) return null;
  return { lastMinute: Number(row.last_minute), trailingHourAverage: Number(row.hour_total) / 60 };
}

export async function selectFailedSignIns(db: Database, minute: Date): Promise<number> {
  const [row] = await db
    .select({ failures: failedSignInsMinutely.failures })
    .from(failedSignInsMinutely)
    .where(sql`${failedSignInsMinutely.minute} = ${minute.toISOString()}::timestamptz`);
  return row?.failures ?? 0;
}

/**
 * Reads the users with the most live sessions from the live-session index by user. The cost grows
 * with the live sessions, not with ended ones.
 * NOTE: not measured at scale; at a million live sessions this reads the whole index each minute.
 */
export async function selectTopUsersBySessions(db: Database, now: Date): Promise<Array<{ userId: string; email: string; sessions: number }>> {
  const result = await db.execute(sql`
    select top.user_id, ${users.email} as email, top.sessions
    from (
      select ${sessions.userId} as user_id, count(*)::int as sessions
      from ${sessions}
      where ${sessions.revokedAt} is null and ${sessions.expiresAt} > ${now.toISOString()}::timestamptz
      group by ${sessions.userId}
      order by count(*) desc
      limit ${topUsersLimit}
    ) top
    join ${users} on ${users.id} = top.user_id
    order by top.sessions desc
  `);
  return rowsOf<{ user_id: string; email: string; sessions: number }>(result).map((row) => ({
    userId: row.user_id,
    email: row.email,
    sessions: Number(row.sessions),
  }));
}

/** Reads each (user, country) pair with a sign-in since `since`, with the latest such sign-in. */
export async function selectUserCountries(
  db: Database,
  since: Date,
): Promise<Array<{ userId: string; email: string; country: string; lastSignInAt: Date }>> {
  const result = await db.execute(sql`
    select ${sessions.userId} as user_id, ${users.email} as email, ${sessions.country} as country, max(${sessions.createdAt}) as last_sign_in_at
    from ${sessions}
    join ${users} on ${users.id} = ${sessions.userId}
    where ${sessions.createdAt} >= ${since.toISOString()}::timestamptz and ${sessions.country} is not null
    group by ${sessions.userId}, ${users.email}, ${sessions.country}
    limit ${userCountryRowsLimit}
  `);
  return rowsOf<{ user_id: string; email: string; country: string; last_sign_in_at: string | Date }>(result).map((row) => ({
    userId: row.user_id,
    email: row.email,
    country: row.country,
    lastSignInAt: new Date(row.last_sign_in_at),
  }));
}
