import { withAdmin } from "@/lib/auth/route-guard";
import { AppError, noStoreHeaders } from "@/lib/errors";
import { getSessionManager } from "@/lib/sessions";
import { getActiveDistribution } from "@/lib/sessions/distribution";

export const dynamic = "force-dynamic";

// GET /api/admin/distribution - active sessions by country and by platform
export const GET = withAdmin(async () => {
  const distribution = await getActiveDistribution(getSessionManager()).catch(() => {
    throw new AppError("store_unavailable", "The distribution is unavailable: PostgreSQL did not respond.");
  });
  return Response.json({ success: true, data: distribution }, { headers: noStoreHeaders });
});
