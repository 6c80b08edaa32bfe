import "server-only";

import { sql } from "drizzle-orm";

import type { Database } from "@/lib/db/client";
import { sessionEventsMinutely, sessionHistoryHourly, sessionSamplesMinutely, sessions } from "@/lib/db/schema";

// Shared by every instance, so that a cron call and an in-process timer, or two instances, take
// turns instead of recording the same minute twice.
const historyLockKey = 0x5e5510c02502n;
const minuteMs = 60_000;
// A run fills at most this many past minutes; after an outage the following runs catch up.
const maxMinutesPerRun = 60;
export const MINUTE_RETENTION_DAYS = 30;

export interface ActiveSample {
  activeSessions: number;
  activeUsers: number;
}

export interface HistoryRun {
  /** False when another run held the lock; nothing was written. */
  ran: boolean;
  minutesRecorded: number;
  sampled: boolean;
}

export function startOfMinute(time: Date): Date {
  return new Date(Math.floor(time.getTime() / minuteMs) * minuteMs);
}

/**
 * Records the session history up to `now`: event counts for every completed minute not yet
 * recorded, derived from the sessions table, so a minute recorded twice gets the same numbers;
 * one active-session sample for the current minute (the first one wins); the hourly totals of
 * the hours touched; and the pruning of minute rows past their retention.
 */
export async function recordHistory(options: {
  db: Database;
  now: Date;
  sample: () => Promise<ActiveSample | null>;
}): Promise<HistoryRun> {
  const { db, now } = options;
  // Sampled before the transaction: the embedded database (PGlite) runs one transaction at a
  // time, so a count through the shared handle from inside it would wait for it forever.
  const sample = await options.sample();

  return db.transaction(async (transaction) => {
    const [lock] = await transaction
      .select({ locked: sql<boolean>`pg_try_advisory_xact_lock(${historyLockKey.toString()}::bigint)` })
      .from(sql`(select 1) as lock`);
    if (!lock.locked) {
      return { ran: false, minutesRecorded: 0, sampled: false };
    }

    const currentMinute = startOfMinute(now);
    const lastCompleted = new Date(currentMinute.getTime() - minuteMs);
    const [latest] = await transaction
      .select({ minute: sql<string | null>`max(${sessionEventsMinutely.minute})` })
      .from(sessionEventsMinutely);
    const earliestAllowed = lastCompleted.getTime() - (maxMinutesPerRun - 1) * minuteMs;
    const from = new Date(Math.max(latest.minute ? new Date(latest.minute).getTime() + minuteMs : earliestAllowed, earliestAllowed));

    let minutesRecorded = 0;
    if (from <= lastCompleted) {
      minutesRecorded = Math.round((lastCompleted.getTime() - from.getTime()) / minuteMs) + 1;
      await recordEvents(transaction as unknown as Database, from, lastCompleted);
    }

    const sampled = await recordSample(transaction as unknown as Database, currentMinute, sample);
    await rollUpHours(transaction as unknown as Database, from < currentMinute ? from : currentMinute, currentMinute);
    await transaction.execute(sql`delete from ${sessionEventsMinutely} where ${sessionEventsMinutely.minute} < ${new Date(now.getTime() - MINUTE_RETENTION_DAYS * 86_400_000).toISOString()}::timestamptz`);
    await transaction.execute(sql`delete from ${sessionSamplesMinutely} where ${sessionSamplesMinutely.minute} < ${new Date(now.getTime() - MINUTE_RETENTION_DAYS * 86_400_000).toISOString()}::timestamptz`);

    return { ran: true, minutesRecorded, sampled };
  });
}

async function recordEvents(db: Database, from: Date, to: Date): Promise<void> {
  const inMinute = (column: unknown) => sql`${column} >= m.minute and ${column} < m.minute + interval '1 minute'`;
  await db.execute(sql`
    insert into ${sessionEventsMinutely} (minute, sign_ins, sign_outs, revocations, expirations)
    select
      m.minute,
      (select count(*) from ${sessions} where ${inMinute(sessions.createdAt)}),
      (select count(*) from ${sessions} where ${sessions.revokedAt} is not null and ${inMinute(sessions.revokedAt)} and ${sessions.revokedReason} = 'sign_out'),
      (select count(*) from ${sessions} where ${sessions.revokedAt} is not null and ${inMinute(sessions.revokedAt)} and ${sessions.revokedReason} is distinct from 'sign_out'),
      (select count(*) from ${sessions} where ${sessions.revokedAt} is null and ${inMinute(sessions.expiresAt)})
    from generate_series(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz, interval '1 minute') as m(minute)
    on conflict (minute) do update set
      sign_ins = excluded.sign_ins,
      sign_outs = excluded.sign_outs,
      revocations = excluded.revocations,
      expirations = excluded.expirations
  `);
}

async function recordSample(db: Database, minute: Date, value: ActiveSample | null): Promise<boolean> {
  const existing = await db
    .select({ minute: sessionSamplesMinutely.minute })
    .from(sessionSamplesMinutely)
    .where(sql`${sessionSamplesMinutely.minute} = ${minute.toISOString()}::timestamptz`);
  if (existing.length > 0) return false;

  if (!value) return false;
  await db
    .insert(sessionSamplesMinutely)
    .values({ minute, activeSessions: value.activeSessions, activeUsers: value.activeUsers, sampledAt: new Date() })
    .onConflictDoNothing();
  return true;
}

/** Recomputes the hourly rows of every hour from `from` to `to` out of the minute tables. */
async function rollUpHours(db: Database, from: Date, to: Date): Promise<void> {
  await db.execute(sql`
    insert into ${sessionHistoryHourly} (hour, sign_ins, sign_outs, revocations, expirations, active_sessions_avg, active_sessions_max, active_users_max)
    select
      h.hour,
      coalesce((select sum(e.sign_ins) from ${sessionEventsMinutely} e where e.minute >= h.hour and e.minute < h.hour + interval '1 hour'), 0),
      coalesce((select sum(e.sign_outs) from ${sessionEventsMinutely} e where e.minute >= h.hour and e.minute < h.hour + interval '1 hour'), 0),
      coalesce((select sum(e.revocations) from ${sessionEventsMinutely} e where e.minute >= h.hour and e.minute < h.hour + interval '1 hour'), 0),
      coalesce((select sum(e.expirations) from ${sessionEventsMinutely} e where e.minute >= h.hour and e.minute < h.hour + interval '1 hour'), 0),
      (select round(avg(s.active_sessions)) from ${sessionSamplesMinutely} s where s.minute >= h.hour and s.minute < h.hour + interval '1 hour'),
      (select max(s.active_sessions) from ${sessionSamplesMinutely} s where s.minute >= h.hour and s.minute < h.hour + interval '1 hour'),
      (select max(s.active_users) from ${sessionSamplesMinutely} s where s.minute >= h.hour and s.minute < h.hour + interval '1 hour')
    from generate_series(date_trunc('hour', ${from.toISOString()}::timestamptz), date_trunc('hour', ${to.toISOString()}::timestamptz), interval '1 hour') as h(hour)
    on conflict (hour) do update set
      sign_ins = excluded.sign_ins,
      sign_outs = excluded.sign_outs,
      revocations = excluded.revocations,
      expirations = excluded.expirations,
      active_sessions_avg = excluded.active_sessions_avg,
      active_sessions_max = excluded.active_sessions_max,
      active_users_max = excluded.active_users_max
  `);
}
