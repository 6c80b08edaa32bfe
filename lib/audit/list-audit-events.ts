import "server-only";

import { selectAuditPage } from "@/lib/db/queries/audit-events";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { encodeCursor } from "@/lib/sessions/list-query";
import { getDatabase } from "@/lib/startup";
import { describeError } from "@/lib/util/describe-error";

import type { AuditListQuery } from "./audit-query";

export interface AuditListItem {
  id: string;
  created_at: string;
  actor: { user_id: string | null; email: string; ip: string | null };
  action: string;
  target: Record<string, unknown>;
  affected_count: number;
}

/** Reads one page of audit events, newest first. */
export async function listAuditEvents(query: AuditListQuery): Promise<{ events: AuditListItem[]; next_cursor: string | null }> {
  let rows;
  try {
    rows = await selectAuditPage(await getDatabase(), query);
  } catch (error) {
    logger.error("could not list audit events", { error: describeError(error) });
    throw new AppError("store_unavailable", "The audit log is unavailable: PostgreSQL did not respond.");
  }

  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    events: page.map((row) => ({
      id: row.id,
      created_at: row.createdAt.toISOString(),
      actor: { user_id: row.actorUserId, email: row.actorEmail, ip: row.actorIp },
      action: row.action,
      target: row.target,
      affected_count: row.affectedCount,
    })),
    next_cursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null,
  };
}
