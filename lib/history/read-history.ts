import "server-only";

import { sql } from "drizzle-orm";

import type { Database } from "@/lib/db/client";
import { sessionEventsMinutely, sessionHistoryHourly, sessionSamplesMinutely } from "@/lib/db/schema";

export const historyRanges = ["1h", "24h", "7d"] as const;
export type HistoryRange = (typeof historyRanges)[number];

export interface HistoryPoint {
  /** Start of the minute or hour, ISO 8601. */
  t: string;
  /** Null where no sample was taken (the scheduler was not running). */
  active_sessions: number | null;
  active_users: number | null;
  sign_ins: number;
  sign_outs: number;
  revocations: number;
  expirations: number;
}

export interface History {
  range: HistoryRange;
  resolution: "minute" | "hour";
  points: HistoryPoint[];
}

const rangeSettings = {
  "1h": { resolution: "minute", span: "1 hour", step: "1 minute" },
  "24h": { resolution: "minute", span: "24 hours", step: "1 minute" },
  "7d": { resolution: "hour", span: "7 days", step: "1 hour" },
} as const;

interface Row {
  t: string | Date;
  active_sessions: number | string | null;
  active_users: number | string | null;
  sign_ins: number | string | null;
  sign_outs: number | string | null;
  revocations: number | string | null;
  expirations: number | string | null;
}

const toNumber = (value: number | string | null) => (value === null ? null : Number(value));

/**
 * Reads a range of the history, one point per minute or hour, with gaps as nulls and zeros.
 * The range ends at `now`, by default the database's clock.
 */
export async function readHistory(db: Database, range: HistoryRange, now?: Date): Promise<History> {
  const settings = rangeSettings[range];
  const unit = settings.resolution;
  const end = now ? sql`date_trunc(${unit}, ${now.toISOString()}::timestamptz)` : sql`date_trunc(${unit}, now())`;
  const start = sql`${end} - interval '${sql.raw(settings.span)}' + interval '${sql.raw(settings.step)}'`;
  const series = sql`generate_series(${start}, ${end}, interval '${sql.raw(settings.step)}') as p(t)`;

  const query =
    unit === "minute"
      ? sql`select p.t, s.active_sessions, s.active_users, e.sign_ins, e.sign_outs, e.revocations, e.expirations
          from ${series}
          left join ${sessionSamplesMinutely} s on s.minute = p.t
          left join ${sessionEventsMinutely} e on e.minute = p.t
          order by p.t`
      : sql`select p.t, h.active_sessions_avg as active_sessions, h.active_users_max as active_users,
            h.sign_ins, h.sign_outs, h.revocations, h.expirations
          from ${series}
          left join ${sessionHistoryHourly} h on h.hour = p.t
          order by p.t`;

  const result = (await db.execute(query)) as unknown as Row[] | { rows: Row[] };
  const rows = Array.isArray(result) ? result : result.rows;

  return {
    range,
    resolution: unit,
    points: rows.map((row) => ({
      t: new Date(row.t).toISOString(),
      active_sessions: toNumber(row.active_sessions),
      active_users: toNumber(row.active_users),
      sign_ins: toNumber(row.sign_ins) ?? 0,
      sign_outs: toNumber(row.sign_outs) ?? 0,
      revocations: toNumber(row.revocations) ?? 0,
      expirations: toNumber(row.expirations) ?? 0,
    })),
  };
}
