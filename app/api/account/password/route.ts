import { z } from "zod";

import { auditActor } from "@/lib/audit/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { withSignedIn } from "@/lib/auth/route-guard";
import { findUserById, updateUserPassword } from "@/lib/db/queries/users";
import { AppError, noStoreHeaders } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json-body";
import { getSessionManager } from "@/lib/sessions";
import { validationError } from "@/lib/sessions/list-query";
import { revokeMatchingSessions } from "@/lib/sessions/revoke-sessions";
import { getDatabase } from "@/lib/startup";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({
    current_password: z.string({ message: "current_password is required" }).min(1, "current_password is required").max(1024),
    new_password: z
      .string({ message: "new_password is required" })
      .min(8, "new_password must be at least 8 characters")
      .max(1024, "new_password must be at most 1024 characters"),
  })
  .strict();

// POST /api/account/password - change the signed-in user's password; signs out their other sessions
export const POST = withSignedIn(
  async (request, { current }) => {
    const parsed = bodySchema.safeParse(await readJsonBody(request));
    if (!parsed.success) {
      throw validationError(parsed.error);
    }

    const db = await getDatabase();
    const user = await findUserById(db, current.user.id);
    if (!user || !(await verifyPassword(parsed.data.current_password, user.passwordHash))) {
      throw new AppError("validation_failed", "current_password is wrong", "current_password");
    }

    await updateUserPassword(db, user.id, await hashPassword(parsed.data.new_password));
    const ended = await revokeMatchingSessions(getSessionManager(), {
      filter: { user_id: user.id },
      exceptTokenHash: current.session.tokenHash,
      reason: "password_change",
    });
    await recordAuditEvent({
      ...auditActor(current, request),
      action: "account.password_change",
      target: { user_ids: [user.id], session_ids: ended.sessionIds },
      affectedCount: ended.sessions,
    });
    return Response.json({ success: true, data: { signed_out_sessions: ended.sessions } }, { headers: noStoreHeaders });
  },
  { mutation: true },
);
