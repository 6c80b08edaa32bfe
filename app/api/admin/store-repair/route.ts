import { z } from "zod";

import { auditActor } from "@/lib/audit/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { withAdmin } from "@/lib/auth/route-guard";
import { noStoreHeaders } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json-body";
import { getSessionManager } from "@/lib/sessions";
import { validationError } from "@/lib/sessions/list-query";
import { repairRedisIndex } from "@/lib/sessions/repair-redis-index";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({
    // A dry run unless the admin turns it off: the repair deletes keys.
    dry_run: z.boolean({ message: "dry_run must be true or false" }).default(true),
  })
  .strict();

// POST /api/admin/store-repair - checks the Redis session index and, with dry_run false, repairs it from PostgreSQL
export const POST = withAdmin(
  async (request, { current }) => {
    const parsed = bodySchema.safeParse(await readJsonBody(request));
    if (!parsed.success) {
      throw validationError(parsed.error);
    }

    const report = await repairRedisIndex(getSessionManager(), parsed.data.dry_run);
    if (report.done) {
      const changed = Object.values(report.done).reduce((total, count) => total + count, 0) - report.done.rewritten_sessions;
      await recordAuditEvent({
        ...auditActor(current, request),
        action: "redis.repair_index",
        target: { found: report.found, done: report.done },
        affectedCount: changed,
      });
    }
    return Response.json({ success: true, data: report }, { headers: noStoreHeaders });
  },
  { mutation: true },
);
