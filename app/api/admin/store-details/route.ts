import { withAdmin } from "@/lib/auth/route-guard";
import { noStoreHeaders } from "@/lib/errors";
import { getSessionManager } from "@/lib/sessions";
import { getStoreDetails } from "@/lib/sessions/store-details";

export const dynamic = "force-dynamic";

// GET /api/admin/store-details - store latency, Redis memory and eviction risks, PostgreSQL sizes
export const GET = withAdmin(async () => {
  const details = await getStoreDetails(getSessionManager());
  return Response.json({ success: true, data: details }, { headers: noStoreHeaders });
});
