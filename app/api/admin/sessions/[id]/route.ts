import { z } from "zod";

import { auditActor } from "@/lib/audit/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { withAdmin } from "@/lib/auth/route-guard";
import { AppError, noStoreHeaders } from "@/lib/errors";
import { readEmptyBody } from "@/lib/http/read-json-body";
import { getSessionManager } from "@/lib/sessions";
import { revokeSessionById } from "@/lib/sessions/revoke-sessions";

export const dynamic = "force-dynamic";

const idSchema = z.uuid();

// DELETE /api/admin/sessions/{id} - sign out one session
export const DELETE = withAdmin<{ id: string }>(
  async (request, { current, params }) => {
    if (!idSchema.safeParse(params.id).success) {
      throw new AppError("validation_failed", "id must be a session id (a UUID)", "id");
    }
    await readEmptyBody(request);

    const result = await revokeSessionById(getSessionManager(), params.id, "admin");
    if (!result) {
      throw new AppError("not_found", `No session has the id ${params.id}.`, "id");
    }
    if (!result.ended) {
      throw new AppError("conflict", `Session ${params.id} has already ended.`, "id");
    }

    await recordAuditEvent({
      ...auditActor(current, request),
      action: "session.sign_out",
      target: { session_ids: [result.row.id], user_ids: [result.row.userId] },
      affectedCount: 1,
    });
    return Response.json({ success: true, data: { id: result.row.id, signed_out: true } }, { headers: noStoreHeaders });
  },
  { mutation: true },
);
