import { auditQueryParams, parseAuditQuery } from "@/lib/audit/audit-query";
import { listAuditEvents } from "@/lib/audit/list-audit-events";
import { withAdmin } from "@/lib/auth/route-guard";
import { noStoreHeaders } from "@/lib/errors";

export const dynamic = "force-dynamic";

// GET /api/admin/audit - audit events, newest first, filtered by actor and action
export const GET = withAdmin(
  async (request) => {
    const query = parseAuditQuery(new URL(request.url).searchParams);

    const page = await listAuditEvents(query);
    return Response.json({ success: true, data: page }, { headers: noStoreHeaders });
  },
  { query: auditQueryParams },
);
