import "server-only";

import { AppError, errorResponse } from "@/lib/errors";
import { findUnknownParam } from "@/lib/http/query-params";
import { logger } from "@/lib/logger";

import { getCurrentSession, type CurrentSession } from "./current-session";
import { isCrossSiteRequest } from "./same-origin";

export interface GuardedContext<Params> {
  current: CurrentSession;
  params: Params;
}

type Handler<Params> = (request: Request, context: GuardedContext<Params>) => Promise<Response>;
type NextContext<Params> = { params: Promise<Params> };

interface RouteOptions {
  /** Changes state: cross-site requests are rejected before anything else (CSRF). */
  mutation?: boolean;
  /** Query parameters the route accepts, none by default. Any other parameter gets a 400 naming it. */
  query?: readonly string[];
}

interface GuardOptions extends RouteOptions {
  role: "admin" | "any";
}

/**
 * Wraps a route handler: rejects cross-site mutations (403), then answers 401 without a live
 * session, 403 without the role and 400 for an unknown query parameter, then runs the handler.
 * Any error becomes the shared JSON error shape; unknown errors are logged and returned as a
 * generic 500.
 */
function guard<Params>(options: GuardOptions, handler: Handler<Params>) {
  return async (request: Request, context: NextContext<Params>): Promise<Response> => {
    try {
      if (options.mutation && isCrossSiteRequest(request)) {
        return errorResponse(new AppError("forbidden", "Cross-site requests may not change sessions."));
      }

      const current = await getCurrentSession();
      if (!current) {
        return errorResponse(new AppError("unauthorized", "Sign in to use this endpoint."));
      }

      if (options.role === "admin" && current.user.role !== "admin") {
        return errorResponse(new AppError("forbidden", "This endpoint is for admins only."));
      }
      const unknownParam = findUnknownParam(request.url, options.query ?? []);
      if (unknownParam) {
        return errorResponse(unknownParam);
      }

      return await handler(request, { current, params: await context.params });
    } catch (error) {
      if (AppError.is(error)) {
        return errorResponse(error);
      }
      logger.error("route handler failed", { method: request.method, path: new URL(request.url).pathname, error });
      return errorResponse(new AppError("internal", "Internal error. The server log has the details."));
    }
  };
}

export function withAdmin<Params = Record<string, never>>(handler: Handler<Params>, options: RouteOptions = {}) {
  return guard({ role: "admin", ...options }, handler);
}

export function withSignedIn<Params = Record<string, never>>(handler: Handler<Params>, options: RouteOptions = {}) {
  return guard({ role: "any", ...options }, handler);
}
