import { timingSafeEqual } from "node:crypto";

import { AppError, errorResponse, noStoreHeaders } from "@/lib/errors";
import { runAlertEvaluation } from "@/lib/alerts/run-alerts";
import { getEnv } from "@/lib/env";
import { findUnknownParam } from "@/lib/http/query-params";
import { runHistoryRecording } from "@/lib/history/run-history";
import { logger } from "@/lib/logger";
import { describeError } from "@/lib/util/describe-error";

export const dynamic = "force-dynamic";

function hasToken(request: Request, secret: string): boolean {
  const expected = Buffer.from(`Bearer ${secret}`);
  const given = Buffer.from(request.headers.get("authorization") ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// GET /api/cron/history - records the session history up to now and evaluates the alerts; called
// every minute by the platform's cron (vercel.json) with "Authorization: Bearer <CRON_SECRET>"
export async function GET(request: Request): Promise<Response> {
  const secret = getEnv().CRON_SECRET;
  if (!secret) {
    return errorResponse(new AppError("store_unavailable", "The cron route is off: set CRON_SECRET to turn it on."));
  }
  if (!hasToken(request, secret)) {
    return errorResponse(new AppError("unauthorized", "Send Authorization: Bearer <CRON_SECRET>."));
  }
  const unknownParam = findUnknownParam(request.url, []);
  if (unknownParam) {
    return errorResponse(unknownParam);
  }

  let run;
  try {
    run = await runHistoryRecording();
  } catch (error) {
    logger.error("history recording failed", { error: describeError(error) });
    return errorResponse(new AppError("store_unavailable", "The history could not be recorded: PostgreSQL did not respond."));
  }

  // The alerts run after the history, because the sign-in burst rule reads the minute just recorded.
  let alerts = null;
  try {
    const evaluation = await runAlertEvaluation();
    alerts = {
      ran: evaluation.ran,
      transitions: evaluation.transitions,
      deliveries: evaluation.deliveries.map((delivery) => ({ id: delivery.id, kind: delivery.kind, rule_id: delivery.ruleId, status: delivery.status })),
    };
  } catch (error) {
    logger.error("alert evaluation failed", { error: describeError(error) });
  }

  const data = { ran: run.ran, minutes_recorded: run.minutesRecorded, sampled: run.sampled, alerts };
  return Response.json({ success: true, data }, { headers: noStoreHeaders });
}
