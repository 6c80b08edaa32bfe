import "server-only";

import { insertAuditEvent, type NewAuditEvent } from "@/lib/db/queries/audit-events";
import { logger } from "@/lib/logger";
import { getDatabase } from "@/lib/startup";
import { describeError } from "@/lib/util/describe-error";

/**
 * Writes an audit event. The action it records has already happened, so a failure to write is
 * logged with the whole event, and never undoes or fails the action.
 */
export async function recordAuditEvent(event: NewAuditEvent): Promise<void> {
  try {
    await insertAuditEvent(await getDatabase(), event);
  } catch (error) {
    logger.error("audit event not written", { ...event, error: describeError(error) });
  }
}
