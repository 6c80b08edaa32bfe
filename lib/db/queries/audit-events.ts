import "server-only";

import { randomUUID } from "node:crypto";

import { and, eq, sql } from "drizzle-orm";

import type { Database } from "../client";
import { auditEvents, type AuditAction, type AuditEvent } from "../schema";

export interface NewAuditEvent {
  actorUserId: string | null;
  actorEmail: string;
  action: AuditAction;
  target: Record<string, unknown>;
  affectedCount: number;
  actorIp: string | null;
}

export async function insertAuditEvent(db: Database, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values({ id: randomUUID(), ...event });
}

export interface AuditQuery {
  /** Case-insensitive part of the actor's email. */
  actor?: string;
  action?: AuditAction;
  limit: number;
  after: { createdAt: string; id: string } | null;
}

/** Reads one page of audit events, newest first, by keyset; reads `limit + 1` rows. */
export async function selectAuditPage(db: Database, query: AuditQuery): Promise<AuditEvent[]> {
  const actorPattern = query.actor ? `%${query.actor.replace(/[\\%_]/g, (character) => `\\${character}`)}%` : null;

  return db
    .select()
    .from(auditEvents)
    .where(
      and(
        actorPattern ? sql`${auditEvents.actorEmail} ilike ${actorPattern}` : undefined,
        query.action ? eq(auditEvents.action, query.action) : undefined,
        query.after
          ? sql`(${auditEvents.createdAt}, ${auditEvents.id}) < (${query.after.createdAt}::timestamptz, ${query.after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(sql`${auditEvents.createdAt} desc nulls last`, sql`${auditEvents.id} desc nulls last`)
    .limit(query.limit + 1);
}
