import "server-only";

import { AppError, errorResponse } from "@/lib/errors";
import { logger } from "@/lib/logger";

import { getCurrentSession, type CurrentSession } from "./current-session";

type AdminHandler = (request: Request, admin: CurrentSession) => Promise<Response>;

/**
 * Wraps a route handler so that it runs only for a signed-in admin: 401 without a live session,
 * 403 for a user without the admin role. Any error becomes the shared JSON error shape; unknown
 * errors are logged and returned as a generic 500.
 */
export function withAdmin(handler: AdminHandler) {
  return async (request: Request): Promise<Response> => {
    try {
      const current = await getCurrentSession();
      if (!current) {
        return errorResponse(new AppError("unauthorized", "Sign in as an admin to use this endpoint."));
      }

      if (current.user.role !== "admin") {
        return errorResponse(new AppError("forbidden", "This endpoint is for admins only."));
      }

      return await handler(request, current);
    } catch (error) {
      if (AppError.is(error)) {
        return errorResponse(error);
      }
      logger.error("route handler failed", { path: new URL(request.url).pathname, error });
      return errorResponse(new AppError("internal", "Internal error. The server log has the details."));
    }
  };
}
