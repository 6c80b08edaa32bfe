import "server-only";

import { cookies } from "next/headers";
import { cache } from "react";

import type { UserRole } from "@/lib/db/schema";
import { getSessionManager } from "@/lib/sessions";
import type { ValidatedSession } from "@/lib/sessions/types";

import { decodeSessionCookie } from "./decode-session-cookie";
import { getAuthSecret } from "./secret";

// next-auth v4 uses the __Secure- name when the site is served over HTTPS.
const sessionCookieNames = ["__Secure-next-auth.session-token", "next-auth.session-token"];

export interface CurrentSession {
  user: { id: string; email: string; name: string | null; role: UserRole };
  session: ValidatedSession;
}

/**
 * The signed-in user of this request, or null. The JWT alone is not enough: its session record
 * must be live in the store, so a revoked or expired session is signed out on its next request.
 * Throws StoreUnavailableError when no store can answer. Cached for the duration of one request.
 */
export const getCurrentSession = cache(async (): Promise<CurrentSession | null> => {
  const cookieStore = await cookies();
  const raw = sessionCookieNames.map((name) => cookieStore.get(name)?.value).find(Boolean);
  if (!raw) {
    return null;
  }

  const token = await decodeSessionCookie(raw, await getAuthSecret());
  if (!token?.sid || !token.sub) {
    return null;
  }

  const session = await getSessionManager().validateSession(token.sid, token.sub);
  if (!session) {
    return null;
  }

  return {
    user: { id: token.sub, email: token.email ?? "", name: token.name ?? null, role: session.role },
    session,
  };
});
