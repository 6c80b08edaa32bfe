import "server-only";

import { sql } from "drizzle-orm";

import type { Database } from "@/lib/db/client";
import {
  claimAlertInterval,
  ensureAlertRules,
  pruneAlertHistory,
  saveAlertEvaluation,
  selectAlertRules,
  selectAlertStates,
  selectLatestEvaluation,
} from "@/lib/db/queries/alerts";
import type { AlertDeliveryRow } from "@/lib/db/schema";
import { logger } from "@/lib/logger";
import { describeError } from "@/lib/util/describe-error";

import { deliverAlertMessage, type WebhookTarget } from "./deliver-webhook";
import { evaluateRules, type AlertNotification } from "./evaluate-rules";
import { alertRuleDefinitions, type AlertInputs, type AlertRuleSettings } from "./rule-definitions";
import type { AlertMessage } from "./webhook-payload";

// Serializes the read-evaluate-write of the rule states between instances. The claim keeps two
// evaluations of one minute apart, and this lock keeps a slow evaluation of an earlier minute from
// interleaving with the next one.
const alertLockKey = 0x5e5510c02503n;
const minuteMs = 60_000;

export interface AlertRun {
  /** False when another evaluation claimed this interval, or a later one already ran. */
  ran: boolean;
  transitions: number;
  deliveries: AlertDeliveryRow[];
}

export function startOfInterval(time: Date): Date {
  return new Date(Math.floor(time.getTime() / minuteMs) * minuteMs);
}

export function messageFor(notification: AlertNotification, consoleUrl: string | null): AlertMessage {
  const definition = alertRuleDefinitions[notification.ruleId];
  return {
    kind: notification.kind,
    ruleId: notification.ruleId,
    ruleName: definition.name,
    summary: notification.summary,
    value: notification.value,
    threshold: notification.threshold,
    unit: definition.unit,
    at: notification.at,
    transitionId: notification.transitionId,
    consoleUrl,
  };
}

/**
 * Evaluates every alert rule for the interval (minute) that contains `now`, at most once per
 * interval across every instance, then sends the resulting messages to the webhook.
 *
 * 1. Claim the interval (one row per minute; a second claim of the same minute fails).
 * 2. Collect the inputs outside any transaction: they come from Redis and other connections,
 *    and the embedded database runs one transaction at a time.
 * 3. Under an advisory lock, read the states, evaluate, and write states and transitions. A run
 *    older than the stored states (a slow earlier minute) writes nothing.
 * 4. After the commit, deliver the messages. Only the run that committed a transition sends it.
 */
export async function evaluateAlerts(options: {
  db: Database;
  now: Date;
  collectInputs: (rules: AlertRuleSettings[]) => Promise<AlertInputs>;
  webhook: WebhookTarget | null;
  consoleUrl?: string | null;
}): Promise<AlertRun> {
  const { db, now } = options;
  const notRun: AlertRun = { ran: false, transitions: 0, deliveries: [] };

  if (!(await claimAlertInterval(db, startOfInterval(now), now))) return notRun;

  await ensureAlertRules(db);
  const rules = await selectAlertRules(db);
  const inputs = await options.collectInputs(rules);

  const committed = await db.transaction(async (transaction) => {
    const tx = transaction as unknown as Database;
    await tx.execute(sql`select pg_advisory_xact_lock(${alertLockKey.toString()}::bigint)`);
    const latest = await selectLatestEvaluation(tx);
    if (latest && latest.getTime() >= now.getTime()) return null;

    const evaluation = evaluateRules({ rules, states: await selectAlertStates(tx), inputs, now });
    await saveAlertEvaluation(tx, { intervalStart: startOfInterval(now), states: evaluation.states, transitions: evaluation.transitions });
    await pruneAlertHistory(tx, now);
    return evaluation;
  });
  if (!committed) return notRun;

  for (const transition of committed.transitions) {
    logger.info("alert state changed", { rule_id: transition.ruleId, from: transition.fromState, to: transition.toState, notified: transition.notified });
  }

  // A rule sends at most one message per evaluation, so the messages can go out in parallel.
  const webhook = options.webhook;
  const results = webhook
    ? await Promise.all(
        committed.notifications.map((notification) =>
          deliverAlertMessage(db, webhook, messageFor(notification, options.consoleUrl ?? null)).catch((error: unknown) => {
            // PostgreSQL failed while recording the delivery; the transition itself is stored.
            logger.error("alert delivery not recorded", { rule_id: notification.ruleId, transition_id: notification.transitionId, error: describeError(error) });
            return null;
          }),
        ),
      )
    : [];
  const deliveries = results.filter((row): row is AlertDeliveryRow => row !== null);

  return { ran: true, transitions: committed.transitions.length, deliveries };
}
