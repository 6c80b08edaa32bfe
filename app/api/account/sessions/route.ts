import { withSignedIn } from "@/lib/auth/route-guard";
import { noStoreHeaders } from "@/lib/errors";
import { getSessionManager } from "@/lib/sessions";
import { pageQueryParams, parsePageQuery } from "@/lib/sessions/list-query";
import { listSessions } from "@/lib/sessions/list-sessions";

export const dynamic = "force-dynamic";

// GET /api/account/sessions - the signed-in user's own active sessions, newest first
export const GET = withSignedIn(
  async (request, { current }) => {
    const { limit, cursor } = parsePageQuery(new URL(request.url).searchParams);

    const filter = { user_id: current.user.id, status: "active" as const };
    const page = await listSessions(getSessionManager(), { filter, limit, cursor }, current.session.tokenHash);
    return Response.json({ success: true, data: page }, { headers: noStoreHeaders });
  },
  { query: pageQueryParams },
);
