import { auditActor } from "@/lib/audit/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { withSignedIn } from "@/lib/auth/route-guard";
import { noStoreHeaders } from "@/lib/errors";
import { readEmptyBody } from "@/lib/http/read-json-body";
import { getSessionManager } from "@/lib/sessions";
import { revokeMatchingSessions } from "@/lib/sessions/revoke-sessions";

export const dynamic = "force-dynamic";

// POST /api/account/sessions/revoke-others - sign out the user's other sessions, keep this one
export const POST = withSignedIn(
  async (request, { current }) => {
    await readEmptyBody(request);

    const ended = await revokeMatchingSessions(getSessionManager(), {
      filter: { user_id: current.user.id },
      exceptTokenHash: current.session.tokenHash,
      reason: "user",
    });

    await recordAuditEvent({
      ...auditActor(current, request),
      action: "account.sign_out_others",
      target: { session_ids: ended.sessionIds, user_ids: [current.user.id] },
      affectedCount: ended.sessions,
    });
    return Response.json({ success: true, data: { sessions: ended.sessions } }, { headers: noStoreHeaders });
  },
  { mutation: true },
);
