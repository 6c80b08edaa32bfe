import { withAdmin } from "@/lib/auth/route-guard";
import { noStoreHeaders } from "@/lib/errors";
import { getSessionManager } from "@/lib/sessions";
import { listQueryParams, parseListQuery } from "@/lib/sessions/list-query";
import { listSessions } from "@/lib/sessions/list-sessions";

export const dynamic = "force-dynamic";

// GET /api/admin/sessions - sessions of all users, newest first, filtered, by keyset pages
export const GET = withAdmin(
  async (request, { current }) => {
    const query = parseListQuery(new URL(request.url).searchParams);

    const page = await listSessions(getSessionManager(), query, current.session.tokenHash);
    return Response.json({ success: true, data: page }, { headers: noStoreHeaders });
  },
  { query: listQueryParams },
);
