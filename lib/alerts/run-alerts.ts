import "server-only";

import { sql } from "drizzle-orm";

import { getSessionManager } from "@/lib/sessions";
import { getDatabase } from "@/lib/startup";

import { collectAlertInputs } from "./collect-inputs";
import { evaluateAlerts, type AlertRun } from "./evaluate-alerts";
import { alertsPageUrl, getWebhookTarget } from "./webhook-config";

/**
 * Evaluates the alert rules for the current minute of the database's clock and sends the
 * messages. Runs after the history recording, from the in-process timer and from the cron route;
 * the interval claim makes every instance but one skip each minute.
 */
export async function runAlertEvaluation(): Promise<AlertRun> {
  const db = await getDatabase();
  const [clock] = await db.select({ now: sql<string>`now()` }).from(sql`(select 1) as clock`);
  const now = new Date(clock.now);
  const manager = getSessionManager();

  return evaluateAlerts({
    db,
    now,
    collectInputs: (rules) => collectAlertInputs({ db, manager, now, rules }),
    webhook: await getWebhookTarget(db),
    consoleUrl: alertsPageUrl(),
  });
}
