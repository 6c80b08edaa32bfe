import { withAdmin } from "@/lib/auth/route-guard";
import { noStoreHeaders } from "@/lib/errors";
import { getSessionHealth, getSessionManager } from "@/lib/sessions";

export const dynamic = "force-dynamic";

// GET /admin/session-health/status - health of the session stores; 503 when unhealthy
export const GET = withAdmin(async () => {
  const health = await getSessionHealth(getSessionManager());
  const status = health.status === "unhealthy" ? 503 : 200;
  return Response.json({ success: true, data: health }, { status, headers: noStoreHeaders });
});
