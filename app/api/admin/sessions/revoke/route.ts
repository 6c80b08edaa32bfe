import { z } from "zod";

import { auditActor } from "@/lib/audit/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { withAdmin } from "@/lib/auth/route-guard";
import type { AuditAction } from "@/lib/db/schema";
import { noStoreHeaders } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json-body";
import { getSessionManager } from "@/lib/sessions";
import { sessionFilterSchema, validationError, type SessionFilter } from "@/lib/sessions/list-query";
import { previewRevocation, revokeMatchingSessions } from "@/lib/sessions/revoke-sessions";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({
    // Required, even when empty: "sign out everyone" must be asked for, never a default.
    filter: sessionFilterSchema,
    except_current: z.boolean({ message: "except_current must be true or false" }).default(false),
    dry_run: z.boolean({ message: "dry_run must be true or false" }).default(false),
  })
  .strict();

function auditActionFor(filter: SessionFilter, exceptCurrent: boolean): AuditAction {
  const fields = Object.keys(filter);
  if (fields.length === 0 && exceptCurrent) return "sessions.sign_out_others";
  if (fields.length === 1 && filter.user_id && !exceptCurrent) return "user.sign_out_all";
  return "sessions.sign_out_filter";
}

// POST /api/admin/sessions/revoke - sign out every live session matching a filter, or count them (dry_run)
export const POST = withAdmin(
  async (request, { current }) => {
    const parsed = bodySchema.safeParse(await readJsonBody(request));
    if (!parsed.success) {
      throw validationError(parsed.error);
    }

    const { filter, except_current: exceptCurrent, dry_run: dryRun } = parsed.data;
    const exceptTokenHash = exceptCurrent ? current.session.tokenHash : null;
    const manager = getSessionManager();

    if (dryRun) {
      const wouldEnd = await previewRevocation(manager, filter, exceptTokenHash);
      return Response.json({ success: true, data: { dry_run: true, ...wouldEnd } }, { headers: noStoreHeaders });
    }

    const ended = await revokeMatchingSessions(manager, { filter, exceptTokenHash, reason: "admin" });
    await recordAuditEvent({
      ...auditActor(current, request),
      action: auditActionFor(filter, exceptCurrent),
      target: {
        filter,
        except_current: exceptCurrent,
        session_ids: ended.sessionIds,
        user_ids: ended.userIds,
        users: ended.users,
        ids_truncated: ended.sessions > ended.sessionIds.length,
      },
      affectedCount: ended.sessions,
    });
    const data = { dry_run: false, sessions: ended.sessions, users: ended.users };
    return Response.json({ success: true, data }, { headers: noStoreHeaders });
  },
  { mutation: true },
);
