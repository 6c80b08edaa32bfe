import "server-only";

import { sql } from "drizzle-orm";

import { getSessionManager, getSessionStatistics } from "@/lib/sessions";
import { getDatabase } from "@/lib/startup";

import { recordHistory, type HistoryRun } from "./record-history";

/**
 * Records the history up to the database's now, sampling the active sessions from the
 * statistics. The database clock decides which minutes are over, so an application server whose
 * clock is off does not record a minute before it ends.
 */
export async function runHistoryRecording(): Promise<HistoryRun> {
  const db = await getDatabase();
  const [clock] = await db.select({ now: sql<string>`now()` }).from(sql`(select 1) as clock`);
  return recordHistory({
    db,
    now: new Date(clock.now),
    async sample() {
      const statistics = await getSessionStatistics(getSessionManager());
      return { activeSessions: statistics.active_sessions, activeUsers: statistics.active_users };
    },
  });
}
