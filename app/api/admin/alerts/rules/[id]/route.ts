import { z } from "zod";

import { readAlertsOverview } from "@/lib/alerts/alerts-overview";
import { MAX_RULE_WINDOW_SECONDS } from "@/lib/alerts/collect-inputs";
import { alertRuleDefinitions, isAlertRuleId } from "@/lib/alerts/rule-definitions";
import { auditActor } from "@/lib/audit/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { withAdmin } from "@/lib/auth/route-guard";
import { ensureAlertRules, selectAlertRules, updateAlertRule, type AlertRuleChanges } from "@/lib/db/queries/alerts";
import { AppError, noStoreHeaders } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json-body";
import { validationError } from "@/lib/sessions/list-query";
import { getDatabase } from "@/lib/startup";

export const dynamic = "force-dynamic";

const dayInSeconds = 86_400;
const seconds = (field: string, min: number, max: number) =>
  z
    .number({ message: `${field} must be a number of seconds` })
    .int(`${field} must be a whole number of seconds`)
    .min(min, `${field} must be at least ${min}`)
    .max(max, `${field} must be at most ${max}`);

const bodySchema = z
  .object({
    enabled: z.boolean({ message: "enabled must be true or false" }).optional(),
    threshold: z.number({ message: "threshold must be a number" }).finite("threshold must be a finite number").optional(),
    duration_seconds: seconds("duration_seconds", 0, dayInSeconds).optional(),
    window_seconds: seconds("window_seconds", 60, MAX_RULE_WINDOW_SECONDS).optional(),
    cooldown_seconds: seconds("cooldown_seconds", 0, 7 * dayInSeconds).optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: "send at least one of enabled, threshold, duration_seconds, window_seconds, cooldown_seconds" });

const columnsByField = {
  enabled: "enabled",
  threshold: "threshold",
  duration_seconds: "durationSeconds",
  window_seconds: "windowSeconds",
  cooldown_seconds: "cooldownSeconds",
} as const;

// PATCH /api/admin/alerts/rules/{id} - change a rule's threshold, duration, window, cooldown or enabled flag
export const PATCH = withAdmin<{ id: string }>(
  async (request, { current, params }) => {
    if (!isAlertRuleId(params.id)) {
      throw new AppError("not_found", `No alert rule has the id ${params.id}.`, "id");
    }
    const parsed = bodySchema.safeParse(await readJsonBody(request));
    if (!parsed.success) {
      throw validationError(parsed.error);
    }

    const definition = alertRuleDefinitions[params.id];
    const body = parsed.data;
    if (body.threshold !== undefined) {
      const range = definition.thresholdRange;
      if (!range) {
        throw new AppError("validation_failed", `${definition.name} has no threshold; change its duration instead`, "threshold");
      }
      if (body.threshold < range.min || body.threshold > range.max) {
        throw new AppError("validation_failed", `threshold must be between ${range.min} and ${range.max} (${definition.unit})`, "threshold");
      }
    }
    if (body.window_seconds !== undefined && definition.defaults.windowSeconds === null) {
      throw new AppError("validation_failed", `${definition.name} measures no window`, "window_seconds");
    }

    const db = await getDatabase();
    await ensureAlertRules(db);
    const before = (await selectAlertRules(db)).find((rule) => rule.id === params.id)!;
    const changes: AlertRuleChanges = {};
    const previous: Record<string, unknown> = {};
    for (const [field, column] of Object.entries(columnsByField) as Array<[keyof typeof body, keyof AlertRuleChanges]>) {
      if (body[field] === undefined) continue;
      (changes as Record<string, unknown>)[column] = body[field];
      previous[field] = before[column];
    }
    await updateAlertRule(db, params.id, changes, current.user.email);

    await recordAuditEvent({
      ...auditActor(current, request),
      action: "alert.rule_change",
      target: { rule_id: params.id, from: previous, to: body },
      affectedCount: 0,
    });

    const rule = (await readAlertsOverview(db)).rules.find((view) => view.id === params.id);
    return Response.json({ success: true, data: rule }, { headers: noStoreHeaders });
  },
  { mutation: true },
);
