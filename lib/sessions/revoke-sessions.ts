import "server-only";

import { inArray } from "drizzle-orm";

import { sessions } from "@/lib/db/schema";
import {
  countLiveSessions,
  revokeLiveSessionsBatch,
  selectSessionById,
  type SessionListRow,
} from "@/lib/db/queries/session-list";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { getMetrics } from "@/lib/metrics/registry";
import { describeError } from "@/lib/util/describe-error";

import type { SessionFilter } from "./list-query";
import type { SessionManager } from "./session-manager";

// One UPDATE and one Redis pipeline per batch: a few milliseconds each, so a sign-out of a
// million sessions never holds a long transaction or blocks Redis.
const batchSize = 500;

export interface RevocationCount {
  sessions: number;
  users: number;
}

// The audit event lists the ids of a bulk sign-out up to this many; the counts are always exact.
export const MAX_AUDITED_IDS = 1000;

export interface Revocation extends RevocationCount {
  /** The first MAX_AUDITED_IDS ids of the sessions and users signed out. */
  sessionIds: string[];
  userIds: string[];
}

async function onDatabase<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (AppError.is(error)) throw error;
    logger.error(`could not ${action}`, { error: describeError(error) });
    throw new AppError("store_unavailable", `The session store is unavailable: PostgreSQL could not ${action}.`);
  }
}

/** Reads one session by its public id; a database failure becomes a 503. */
export async function findSession(manager: SessionManager, id: string): Promise<SessionListRow | undefined> {
  const db = await manager.database.database();
  return onDatabase("read the session", () => selectSessionById(db, id));
}

/** False when the session has certainly ended. In Redis mode only revocation and the absolute expiry are final, because the copy's idle expiry can trail Redis. */
function mightBeLive(manager: SessionManager, row: SessionListRow): boolean {
  if (row.status === "revoked") return false;
  if (manager.configured === "redis") return row.absoluteExpiresAt > row.now;
  return row.status === "active";
}

/**
 * Signs out one session by its public id. Returns the row as it was, with `ended` false when it
 * had already ended; null when no session has that id, or when `ownerId` is given and the
 * session belongs to someone else.
 */
export async function revokeSessionById(
  manager: SessionManager,
  id: string,
  reason: string,
  options: { ownerId?: string } = {},
): Promise<{ row: SessionListRow; ended: boolean } | null> {
  const row = await findSession(manager, id);
  if (!row || (options.ownerId !== undefined && row.userId !== options.ownerId)) return null;
  if (!mightBeLive(manager, row)) return { row, ended: false };

  const ended = await manager.revokeSession({ tokenHash: row.tokenHash, userId: row.userId }, reason);
  return { row, ended };
}

/** Counts the live sessions, and their users, that a sign-out with this filter would end. */
export async function previewRevocation(
  manager: SessionManager,
  filter: SessionFilter,
  exceptTokenHash: string | null,
): Promise<RevocationCount> {
  const db = await manager.database.database();
  return onDatabase("count the sessions", () => countLiveSessions(db, filter, exceptTokenHash));
}

/**
 * Signs out every live session that matches the filter, except one (the caller's own), in
 * batches. PostgreSQL is updated first and marks the rows unsynced; each batch is then deleted
 * from Redis in one pipeline and marked synced. A batch Redis did not take stays unsynced and is
 * replayed when Redis returns, so no path leaves a signed-out session usable. The count is of
 * sessions that were live: deleted from Redis, or unexpired in the copy.
 */
export async function revokeMatchingSessions(
  manager: SessionManager,
  options: { filter: SessionFilter; exceptTokenHash: string | null; reason: string },
): Promise<Revocation> {
  const db = await manager.database.database();
  const usesRedis = manager.configured === "redis";
  const users = new Set<string>();
  const sessionIds: string[] = [];
  let total = 0;

  // Bounded: each pass ends at least one session or stops, and the bound is 10^9 sessions.
  for (let pass = 0; pass < 2_000_000; pass += 1) {
    const batch = await onDatabase("sign out the sessions", () =>
      revokeLiveSessionsBatch(db, {
        ...options,
        redisSynced: !usesRedis,
        batchSize,
        candidates: usesRedis ? "within-absolute" : "unexpired",
      }),
    );
    if (batch.length === 0) break;

    let deleted: boolean[] = [];
    if (usesRedis) {
      const removed = await manager.tryRedis("revoke sessions", (store) => store.revokeMany(batch));
      if (removed.ok) {
        deleted = removed.value;
        const ids = batch.map((row) => row.id);
        await db
          .update(sessions)
          .set({ redisSynced: true })
          .where(inArray(sessions.id, ids))
          .catch((error: unknown) => logger.warn("could not mark signed-out sessions synced", { error: describeError(error) }));
      }
    }

    batch.forEach((row, index) => {
      if (!deleted[index] && !row.liveInCopy) return;
      total += 1;
      users.add(row.userId);
      if (sessionIds.length < MAX_AUDITED_IDS) sessionIds.push(row.id);
    });
  }

  getMetrics().revocations.inc(total);
  return { sessions: total, users: users.size, sessionIds, userIds: [...users].slice(0, MAX_AUDITED_IDS) };
}
