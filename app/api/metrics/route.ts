import { timingSafeEqual } from "node:crypto";

import { AppError, errorResponse } from "@/lib/errors";
import { getEnv } from "@/lib/env";
import { findUnknownParam } from "@/lib/http/query-params";
import { logger } from "@/lib/logger";
import { getMetrics } from "@/lib/metrics/registry";
import { registerSessionGauges } from "@/lib/metrics/session-gauges";
import { describeError } from "@/lib/util/describe-error";

export const dynamic = "force-dynamic";

function hasToken(request: Request, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(request.headers.get("authorization") ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// GET /api/metrics - Prometheus text exposition, for "Authorization: Bearer <METRICS_TOKEN>"
export async function GET(request: Request): Promise<Response> {
  const token = getEnv().METRICS_TOKEN;
  if (!token) {
    return errorResponse(new AppError("store_unavailable", "The metrics endpoint is off: set METRICS_TOKEN to turn it on."));
  }
  if (!hasToken(request, token)) {
    return errorResponse(new AppError("unauthorized", "Send Authorization: Bearer <METRICS_TOKEN>."));
  }
  const unknownParam = findUnknownParam(request.url, []);
  if (unknownParam) {
    return errorResponse(unknownParam);
  }

  const { registry } = getMetrics();
  registerSessionGauges(registry);
  try {
    const body = await registry.metrics();
    return new Response(body, { headers: { "Content-Type": registry.contentType, "Cache-Control": "no-store" } });
  } catch (error) {
    logger.error("metrics collection failed", { error: describeError(error) });
    return errorResponse(new AppError("store_unavailable", "The metrics could not be collected: no session store responded."));
  }
}
