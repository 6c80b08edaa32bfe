import NextAuth from "next-auth";
import type { NextRequest } from "next/server";

import { getAuthOptions } from "@/lib/auth/options";
import { isCrossSiteRequest } from "@/lib/auth/same-origin";
import { AppError, errorResponse } from "@/lib/errors";
import { logger } from "@/lib/logger";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// next-auth's own endpoints: /api/auth/csrf, /api/auth/callback/credentials, /api/auth/signout, ...
async function handler(request: NextRequest, context: RouteContext): Promise<Response> {
  // next-auth's CSRF token already stops forged sign-ins and sign-outs, but only with a redirect.
  // This check gives them the same 403 as every other mutation.
  if (request.method === "POST" && isCrossSiteRequest(request)) {
    return errorResponse(new AppError("forbidden", "Cross-site requests may not sign in or out."));
  }

  let options;
  try {
    options = await getAuthOptions();
  } catch (error) {
    logger.error("auth endpoint unavailable: could not load the auth secret", { error });
    return errorResponse(new AppError("store_unavailable", "Sign-in is unavailable: the database is not reachable."));
  }
  return NextAuth(request, context, options);
}

export { handler as GET, handler as POST };
