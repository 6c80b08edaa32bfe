import { z } from "zod";

import { auditActor } from "@/lib/audit/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { withAdmin } from "@/lib/auth/route-guard";
import { countAdmins, findUserById, updateUserRole } from "@/lib/db/queries/users";
import { userRoles } from "@/lib/db/schema";
import { AppError, noStoreHeaders } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json-body";
import { getSessionManager } from "@/lib/sessions";
import { validationError } from "@/lib/sessions/list-query";
import { revokeMatchingSessions } from "@/lib/sessions/revoke-sessions";
import { getDatabase } from "@/lib/startup";

export const dynamic = "force-dynamic";

const bodySchema = z.object({ role: z.enum(userRoles, { message: "role must be admin or user" }) }).strict();

// PATCH /api/admin/users/{id} - change a user's role; signs out every session of that user
export const PATCH = withAdmin<{ id: string }>(
  async (request, { current, params }) => {
    if (!z.uuid().safeParse(params.id).success) {
      throw new AppError("validation_failed", "id must be a user id (a UUID)", "id");
    }
    const parsed = bodySchema.safeParse(await readJsonBody(request));
    if (!parsed.success) {
      throw validationError(parsed.error);
    }

    const db = await getDatabase();
    const user = await findUserById(db, params.id);
    if (!user) {
      throw new AppError("not_found", `No user has the id ${params.id}.`, "id");
    }
    if (user.role === parsed.data.role) {
      return Response.json({ success: true, data: { id: user.id, role: user.role, signed_out_sessions: 0 } }, { headers: noStoreHeaders });
    }
    if (user.role === "admin" && (await countAdmins(db)) <= 1) {
      throw new AppError("conflict", "This is the only admin; make another user an admin first.", "role");
    }

    await updateUserRole(db, user.id, parsed.data.role);
    // Sessions carry the role they were signed in with, so every session of the user ends, the caller's own included.
    const ended = await revokeMatchingSessions(getSessionManager(), {
      filter: { user_id: user.id },
      exceptTokenHash: null,
      reason: "role_change",
    });
    await recordAuditEvent({
      ...auditActor(current, request),
      action: "user.role_change",
      target: { user_ids: [user.id], from: user.role, to: parsed.data.role },
      affectedCount: ended.sessions,
    });
    const data = { id: user.id, role: parsed.data.role, signed_out_sessions: ended.sessions };
    return Response.json({ success: true, data }, { headers: noStoreHeaders });
  },
  { mutation: true },
);
