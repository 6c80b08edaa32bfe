import { z } from "zod";

import { describeWebhook } from "@/lib/alerts/webhook-config";
import { maskWebhookUrl } from "@/lib/alerts/webhook-payload";
import { auditActor } from "@/lib/audit/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { withAdmin } from "@/lib/auth/route-guard";
import { saveStoredWebhook } from "@/lib/db/queries/alerts";
import { noStoreHeaders } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json-body";
import { validationError } from "@/lib/sessions/list-query";
import { getDatabase } from "@/lib/startup";

export const dynamic = "force-dynamic";

const webhookUrl = z
  .string({ message: "url must be an http:// or https:// URL, or null" })
  .trim()
  .max(2048, "url must be at most 2048 characters")
  // Control characters are refused outright: URL parsing would quietly percent-encode them.
  .refine((value) => /^https?:\/\/[^\s\u0000-\u001f\u007f]+$/i.test(value) && URL.canParse(value), {
    message: "url must be an http:// or https:// URL, or null",
  });

const bodySchema = z
  .object({
    // null removes the console's webhook, so that ALERT_WEBHOOK_URL applies again.
    url: webhookUrl.nullable(),
    format: z.enum(["generic", "slack"], { message: "format must be generic or slack" }).default("generic"),
  })
  .strict();

// PUT /api/admin/alerts/webhook - set the webhook that receives alert messages, or null to use ALERT_WEBHOOK_URL
export const PUT = withAdmin(
  async (request, { current }) => {
    const parsed = bodySchema.safeParse(await readJsonBody(request));
    if (!parsed.success) {
      throw validationError(parsed.error);
    }

    const { url, format } = parsed.data;
    const db = await getDatabase();
    await saveStoredWebhook(db, url === null ? null : { url, format });
    await recordAuditEvent({
      ...auditActor(current, request),
      action: "alert.webhook_change",
      // The audit log keeps the masked URL only: the path and query usually carry the secret.
      target: { destination: url === null ? null : maskWebhookUrl(url), format },
      affectedCount: 0,
    });

    return Response.json({ success: true, data: await describeWebhook(db) }, { headers: noStoreHeaders });
  },
  { mutation: true },
);
