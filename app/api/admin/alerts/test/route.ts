import { z } from "zod";

import { toDeliveryView } from "@/lib/alerts/alerts-overview";
import { deliverAlertMessage } from "@/lib/alerts/deliver-webhook";
import { alertsPageUrl, getWebhookTarget } from "@/lib/alerts/webhook-config";
import { auditActor } from "@/lib/audit/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { withAdmin } from "@/lib/auth/route-guard";
import { AppError, noStoreHeaders } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json-body";
import { validationError } from "@/lib/sessions/list-query";
import { getDatabase } from "@/lib/startup";

export const dynamic = "force-dynamic";

const bodySchema = z.object({}).strict();

// POST /api/admin/alerts/test - send a test alert to the configured webhook and return the delivery
export const POST = withAdmin(
  async (request, { current }) => {
    const parsed = bodySchema.safeParse(await readJsonBody(request));
    if (!parsed.success) {
      throw validationError(parsed.error);
    }
    const db = await getDatabase();
    const target = await getWebhookTarget(db);
    if (!target) {
      throw new AppError("conflict", "No alert webhook is configured: set one on the alerts page, or set ALERT_WEBHOOK_URL.");
    }

    const delivery = await deliverAlertMessage(db, target, {
      kind: "test",
      ruleId: null,
      ruleName: "Test alert",
      summary: `A test alert sent by ${current.user.email} from the Session Console.`,
      value: null,
      threshold: null,
      unit: null,
      at: new Date(),
      transitionId: null,
      consoleUrl: alertsPageUrl(),
    });
    await recordAuditEvent({
      ...auditActor(current, request),
      action: "alert.test",
      target: { delivery_id: delivery.id, destination: delivery.destination, status: delivery.status },
      affectedCount: 0,
    });

    return Response.json({ success: true, data: toDeliveryView(delivery) }, { headers: noStoreHeaders });
  },
  { mutation: true },
);
