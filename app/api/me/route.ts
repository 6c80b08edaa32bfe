import { withSignedIn } from "@/lib/auth/route-guard";
import { noStoreHeaders } from "@/lib/errors";

export const dynamic = "force-dynamic";

// GET /api/me - the signed-in user and their session's expiry, after validating the session
export const GET = withSignedIn(async (_request, { current }) => {
  const { user, session } = current;
  const data = {
    user,
    session: { expires_at: session.expiresAt.toISOString(), absolute_expires_at: session.absoluteExpiresAt.toISOString() },
  };
  return Response.json({ success: true, data }, { headers: noStoreHeaders });
});
