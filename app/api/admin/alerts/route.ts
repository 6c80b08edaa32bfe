import { readAlertsOverview } from "@/lib/alerts/alerts-overview";
import { withAdmin } from "@/lib/auth/route-guard";
import { noStoreHeaders } from "@/lib/errors";
import { getDatabase } from "@/lib/startup";

export const dynamic = "force-dynamic";

// GET /api/admin/alerts - alert rules with their current state, recent transitions and webhook deliveries
export const GET = withAdmin(async () => {
  const overview = await readAlertsOverview(await getDatabase());
  return Response.json({ success: true, data: overview }, { headers: noStoreHeaders });
});
