import "server-only";

import { desc, eq, inArray, sql } from "drizzle-orm";

import { alertRuleDefinitions, alertRuleIds, type AlertRuleId, type AlertRuleSettings } from "@/lib/alerts/rule-definitions";
import type { RuleState, Transition } from "@/lib/alerts/evaluate-rules";

import type { Database } from "../client";
import {
  appSettings,
  alertDeliveries,
  alertEvaluations,
  alertRuleStates,
  alertRules,
  alertTransitions,
  failedSignInsMinutely,
  type AlertDeliveryAttempt,
  type AlertDeliveryRow,
  type AlertDeliveryStatus,
  type AlertRuleRow,
  type AlertTransitionRow,
} from "../schema";

const dayMs = 86_400_000;
// Transitions and deliveries are the console's alert history; evaluation claims only guard one minute.
const historyRetentionDays = 90;
const claimRetentionDays = 7;
const failedSignInRetentionDays = 1;

/** Creates the row of every rule that has none yet, from its defaults; existing rows are kept. */
export async function ensureAlertRules(db: Database): Promise<void> {
  await db
    .insert(alertRules)
    .values(alertRuleIds.map((id) => ({ id, ...alertRuleDefinitions[id].defaults })))
    .onConflictDoNothing();
}

function toSettings(row: AlertRuleRow): AlertRuleSettings {
  return {
    id: row.id as AlertRuleId,
    enabled: row.enabled,
    threshold: row.threshold,
    durationSeconds: row.durationSeconds,
    windowSeconds: row.windowSeconds,
    cooldownSeconds: row.cooldownSeconds,
  };
}

/** Reads the settings of every known rule, in the order of the rule definitions. */
export async function selectAlertRules(db: Database): Promise<Array<AlertRuleSettings & { updatedAt: Date; updatedBy: string | null }>> {
  const rows = await db.select().from(alertRules).where(inArray(alertRules.id, [...alertRuleIds]));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return alertRuleIds
    .filter((id) => byId.has(id))
    .map((id) => {
      const row = byId.get(id)!;
      return { ...toSettings(row), updatedAt: row.updatedAt, updatedBy: row.updatedBy };
    });
}

export type AlertRuleChanges = Partial<Omit<AlertRuleSettings, "id">>;

export async function updateAlertRule(db: Database, id: AlertRuleId, changes: AlertRuleChanges, updatedBy: string): Promise<void> {
  await db
    .update(alertRules)
    .set({ ...changes, updatedAt: new Date(), updatedBy })
    .where(eq(alertRules.id, id));
}

export async function selectAlertStates(db: Database): Promise<Map<AlertRuleId, RuleState>> {
  const rows = await db.select().from(alertRuleStates);
  return new Map(rows.map((row) => [row.ruleId as AlertRuleId, { ...row, ruleId: row.ruleId as AlertRuleId }]));
}

/**
 * Claims the evaluation of one interval. Returns false when another evaluation claimed it first:
 * the primary key lets exactly one insert of the interval succeed, across every instance.
 */
export async function claimAlertInterval(db: Database, intervalStart: Date, now: Date): Promise<boolean> {
  const claimed = await db
    .insert(alertEvaluations)
    .values({ intervalStart, evaluatedAt: now, transitions: 0 })
    .onConflictDoNothing()
    .returning({ intervalStart: alertEvaluations.intervalStart });
  return claimed.length > 0;
}

/** Returns the time of the newest stored evaluation, or null. */
export async function selectLatestEvaluation(db: Database): Promise<Date | null> {
  const [row] = await db.select({ at: sql<string | null>`max(${alertRuleStates.evaluatedAt})` }).from(alertRuleStates);
  return row?.at ? new Date(row.at) : null;
}

export async function saveAlertEvaluation(
  db: Database,
  evaluation: { intervalStart: Date; states: RuleState[]; transitions: Transition[] },
): Promise<void> {
  for (const state of evaluation.states) {
    await db
      .insert(alertRuleStates)
      .values(state)
      .onConflictDoUpdate({ target: alertRuleStates.ruleId, set: { ...state } });
  }
  if (evaluation.transitions.length > 0) {
    await db.insert(alertTransitions).values(evaluation.transitions);
  }
  await db
    .update(alertEvaluations)
    .set({ transitions: evaluation.transitions.length })
    .where(eq(alertEvaluations.intervalStart, evaluation.intervalStart));
}

/** Deletes alert history and claims past their retention, and failed sign-in counts older than a day. */
export async function pruneAlertHistory(db: Database, now: Date): Promise<void> {
  const before = (days: number) => new Date(now.getTime() - days * dayMs).toISOString();
  await db.execute(sql`delete from ${alertTransitions} where ${alertTransitions.at} < ${before(historyRetentionDays)}::timestamptz`);
  await db.execute(sql`delete from ${alertDeliveries} where ${alertDeliveries.createdAt} < ${before(historyRetentionDays)}::timestamptz`);
  await db.execute(sql`delete from ${alertEvaluations} where ${alertEvaluations.intervalStart} < ${before(claimRetentionDays)}::timestamptz`);
  await db.execute(sql`delete from ${failedSignInsMinutely} where ${failedSignInsMinutely.minute} < ${before(failedSignInRetentionDays)}::timestamptz`);
}

export async function selectRecentTransitions(db: Database, limit: number): Promise<AlertTransitionRow[]> {
  return db.select().from(alertTransitions).orderBy(desc(alertTransitions.at), desc(alertTransitions.id)).limit(limit);
}

export async function selectRecentDeliveries(db: Database, limit: number): Promise<AlertDeliveryRow[]> {
  return db.select().from(alertDeliveries).orderBy(desc(alertDeliveries.createdAt), desc(alertDeliveries.id)).limit(limit);
}

export async function insertAlertDelivery(db: Database, delivery: typeof alertDeliveries.$inferInsert): Promise<void> {
  await db.insert(alertDeliveries).values(delivery);
}

/** Appends one attempt's result to a delivery, and sets its status once it is final. */
export async function recordDeliveryAttempt(
  db: Database,
  id: string,
  attempt: AlertDeliveryAttempt,
  outcome: { status: AlertDeliveryStatus; lastError: string | null },
): Promise<AlertDeliveryRow> {
  const [row] = await db
    .update(alertDeliveries)
    .set({
      attempts: sql`${alertDeliveries.attempts} || ${JSON.stringify([attempt])}::jsonb`,
      status: outcome.status,
      lastError: outcome.lastError,
      completedAt: outcome.status === "sending" ? null : new Date(),
    })
    .where(eq(alertDeliveries.id, id))
    .returning();
  return row;
}

/** Adds one failed sign-in to the current minute's count (the database's clock decides the minute). */
export async function incrementFailedSignIns(db: Database): Promise<void> {
  await db
    .insert(failedSignInsMinutely)
    .values({ minute: sql`date_trunc('minute', now())`, failures: 1 })
    .onConflictDoUpdate({ target: failedSignInsMinutely.minute, set: { failures: sql`${failedSignInsMinutely.failures} + 1` } });
}

// The webhook set in the console, as JSON in app_settings; it replaces ALERT_WEBHOOK_URL.
const webhookSettingKey = "alert_webhook";

export interface StoredWebhook {
  url: string;
  format: "generic" | "slack";
}

export async function selectStoredWebhook(db: Database): Promise<StoredWebhook | null> {
  const [row] = await db.select().from(appSettings).where(eq(appSettings.key, webhookSettingKey)).limit(1);
  return row ? (JSON.parse(row.value) as StoredWebhook) : null;
}

/** Stores the console's webhook, or deletes it (null) so that ALERT_WEBHOOK_URL applies again. */
export async function saveStoredWebhook(db: Database, webhook: StoredWebhook | null): Promise<void> {
  if (!webhook) {
    await db.delete(appSettings).where(eq(appSettings.key, webhookSettingKey));
    return;
  }
  const value = JSON.stringify(webhook);
  await db
    .insert(appSettings)
    .values({ key: webhookSettingKey, value })
    .onConflictDoUpdate({ target: appSettings.key, set: { value } });
}
