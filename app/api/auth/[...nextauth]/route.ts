import NextAuth from "next-auth";
import type { NextRequest } from "next/server";

import { getAuthOptions } from "@/lib/auth/options";
import { AppError, errorResponse } from "@/lib/errors";
import { logger } from "@/lib/logger";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// next-auth's own endpoints: /api/auth/csrf, /api/auth/callback/credentials, /api/auth/signout, ...
async function handler(request: NextRequest, context: RouteContext): Promise<Response> {
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
