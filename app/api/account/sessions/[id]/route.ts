import { z } from "zod";

import { auditActor } from "@/lib/audit/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { withSignedIn } from "@/lib/auth/route-guard";
import { AppError, noStoreHeaders } from "@/lib/errors";
import { readEmptyBody } from "@/lib/http/read-json-body";
import { getSessionManager } from "@/lib/sessions";
import { revokeSessionById } from "@/lib/sessions/revoke-sessions";

export const dynamic = "force-dynamic";

const idSchema = z.uuid();

// DELETE /api/account/sessions/{id} - sign out one of the signed-in user's own sessions
export const DELETE = withSignedIn<{ id: string }>(
  async (request, { current, params }) => {
    if (!idSchema.safeParse(params.id).success) {
      throw new AppError("validation_failed", "id must be a session id (a UUID)", "id");
    }
    await readEmptyBody(request);

    // Another user's session gets the same 404 as a missing one, so ids cannot be probed.
    const result = await revokeSessionById(getSessionManager(), params.id, "user", { ownerId: current.user.id });
    if (!result) {
      throw new AppError("not_found", `You have no session with the id ${params.id}.`, "id");
    }
    if (!result.ended) {
      throw new AppError("conflict", `Session ${params.id} has already ended.`, "id");
    }

    await recordAuditEvent({
      ...auditActor(current, request),
      action: "account.sign_out_session",
      target: { session_ids: [result.row.id], user_ids: [result.row.userId] },
      affectedCount: 1,
    });
    return Response.json({ success: true, data: { id: result.row.id, signed_out: true } }, { headers: noStoreHeaders });
  },
  { mutation: true },
);
