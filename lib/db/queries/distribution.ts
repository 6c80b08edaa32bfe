import "server-only";

import { and, gt, isNull, sql } from "drizzle-orm";

import type { Database } from "../client";
import { sessions } from "../schema";

export interface Distribution {
  countries: Array<{ country: string; sessions: number }>;
  platforms: Array<{ os: string; device_type: string; sessions: number }>;
}

const live = () => and(isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`));

/** Active sessions by country and by operating system and device type, largest groups first. */
export async function selectActiveDistribution(db: Database, limit = 50): Promise<Distribution> {
  const [countries, platforms] = await Promise.all([
    db
      .select({ country: sql<string>`coalesce(${sessions.country}, 'unknown')`, sessions: sql<number>`count(*)::int` })
      .from(sessions)
      .where(live())
      .groupBy(sql`1`)
      .orderBy(sql`2 desc`)
      .limit(limit),
    db
      .select({
        os: sql<string>`coalesce(${sessions.os}, 'Unknown')`,
        device_type: sql<string>`coalesce(${sessions.deviceType}, 'unknown')`,
        sessions: sql<number>`count(*)::int`,
      })
      .from(sessions)
      .where(live())
      .groupBy(sql`1`, sql`2`)
      .orderBy(sql`3 desc`)
      .limit(limit),
  ]);
  return { countries, platforms };
}
