import { withAdmin } from "@/lib/auth/route-guard";
import { noStoreHeaders } from "@/lib/errors";
import { getSessionManager, getSessionStatistics } from "@/lib/sessions";

export const dynamic = "force-dynamic";

// GET /admin/session-health/statistics - session counts from the store that can answer now
export const GET = withAdmin(async () => {
  const statistics = await getSessionStatistics(getSessionManager());
  return Response.json({ success: true, data: statistics }, { headers: noStoreHeaders });
});
