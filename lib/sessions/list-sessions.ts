import "server-only";

import { selectSessionPage, type SessionListRow } from "@/lib/db/queries/session-list";
import type { UserRole } from "@/lib/db/schema";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { describeError } from "@/lib/util/describe-error";

import { encodeCursor, type ListQuery, type SessionStatus } from "./list-query";
import type { SessionRecord } from "./redis-scripts";
import type { SessionManager } from "./session-manager";
import { describeUserAgent, parseUserAgent } from "./user-agent";

/** One row of the session list, as the API returns it. Never carries the token or its hash. */
export interface SessionListItem {
  id: string;
  /** The first 8 characters of the id, enough to tell sessions apart on screen. */
  short_id: string;
  user: { id: string; email: string; name: string | null; role: UserRole };
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  absolute_expires_at: string;
  /** When the session ended (revoked or expired); null while it is active. */
  ended_at: string | null;
  /** Seconds from sign-in to now, or to the end for an ended session. */
  duration_seconds: number;
  ip: string | null;
  country: string | null;
  browser: string | null;
  os: string | null;
  device_type: string | null;
  /** For example "Chrome 131 on Windows 10". */
  device: string;
  status: SessionStatus;
  revoked_reason: string | null;
  /** True for the session that made this request. */
  is_current: boolean;
}

export interface SessionListPage {
  sessions: SessionListItem[];
  /** Pass as `cursor` to read the next page; null on the last page. */
  next_cursor: string | null;
}

/**
 * Replaces the PostgreSQL copy's times with Redis's for the rows Redis serves, in one pipelined
 * round trip: PostgreSQL receives touches after the fact, Redis decides validity.
 */
async function readRedisTimes(manager: SessionManager, rows: SessionListRow[]): Promise<Map<string, SessionRecord | null>> {
  if (manager.configured !== "redis") return new Map();

  const targets = rows.filter((row) => row.status !== "revoked" && row.redisSynced);
  const result = await manager.tryRedis("read session records", (store) => store.readRecords(targets));
  return result.ok ? result.value : new Map();
}

function toItem(row: SessionListRow, record: SessionRecord | null | undefined, currentTokenHash: string | null): SessionListItem {
  let { status } = row;
  let lastSeenAt = row.lastSeenAt;
  let expiresAt = row.expiresAt;
  if (record) {
    lastSeenAt = new Date(record.lastSeenAt);
    expiresAt = new Date(record.expiresAt);
    status = record.expiresAt > row.now.getTime() ? "active" : "expired";
  } else if (record === null && status === "active") {
    // Gone from Redis: it no longer validates, whatever the PostgreSQL copy records.
    status = "expired";
  }

  let endedAt: Date | null = null;
  if (status === "revoked") endedAt = row.revokedAt;
  if (status === "expired") endedAt = expiresAt;
  const end = endedAt ?? row.now;
  const parsed = parseUserAgent(row.userAgent);

  return {
    id: row.id,
    short_id: row.id.slice(0, 8),
    user: { id: row.userId, email: row.email, name: row.name, role: row.role },
    created_at: row.createdAt.toISOString(),
    last_seen_at: lastSeenAt.toISOString(),
    expires_at: expiresAt.toISOString(),
    absolute_expires_at: row.absoluteExpiresAt.toISOString(),
    ended_at: endedAt ? endedAt.toISOString() : null,
    duration_seconds: Math.max(0, Math.round((end.getTime() - row.createdAt.getTime()) / 1000)),
    ip: row.ip,
    country: row.country,
    browser: row.browser,
    os: row.os,
    device_type: row.deviceType,
    device: describeUserAgent(parsed),
    status,
    revoked_reason: row.revokedReason,
    is_current: currentTokenHash !== null && row.tokenHash === currentTokenHash,
  };
}

/** Reads one page of sessions across all users, newest first. */
export async function listSessions(
  manager: SessionManager,
  query: ListQuery,
  currentTokenHash: string | null,
): Promise<SessionListPage> {
  const db = await manager.database.database();
  let rows: SessionListRow[];
  try {
    rows = await selectSessionPage(db, { filter: query.filter, limit: query.limit, after: query.cursor });
  } catch (error) {
    logger.error("could not list sessions", { error: describeError(error) });
    throw new AppError("store_unavailable", "The session list is unavailable: PostgreSQL did not respond.");
  }

  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const records = await readRedisTimes(manager, page);
  const last = page[page.length - 1];

  let items = page.map((row) => toItem(row, records.get(row.tokenHash), currentTokenHash));
  // Redis decides the status shown. A row whose copy matched the filter but whose Redis state does
  // not is left out, so such a page can hold fewer than `limit` rows.
  if (query.filter.status) {
    items = items.filter((item) => item.status === query.filter.status);
  }

  return {
    sessions: items,
    next_cursor: hasMore && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null,
  };
}
