import "server-only";

import type { Database } from "@/lib/db/client";
import { getConfiguredSessionStore } from "@/lib/env";
import { ensureAlertRules, selectAlertRules, selectAlertStates, selectRecentDeliveries, selectRecentTransitions } from "@/lib/db/queries/alerts";
import type { AlertDeliveryAttempt, AlertState } from "@/lib/db/schema";

import { alertRuleDefinitions, type AlertRuleId } from "./rule-definitions";
import { describeWebhook, type WebhookDescription } from "./webhook-config";

const historyLimit = 50;
const deliveryLimit = 20;

export interface AlertRuleView {
  id: AlertRuleId;
  name: string;
  description: string;
  unit: string | null;
  enabled: boolean;
  /** Null for rules without a threshold. */
  threshold: number | null;
  threshold_range: { min: number; max: number } | null;
  duration_seconds: number;
  /** Null for rules that measure no window. */
  window_seconds: number | null;
  cooldown_seconds: number;
  state: AlertState;
  state_since: string | null;
  value: number | null;
  summary: string | null;
  evaluated_at: string | null;
  updated_at: string;
  updated_by: string | null;
}

export interface AlertTransitionView {
  id: string;
  rule_id: string;
  rule_name: string;
  from_state: AlertState;
  to_state: AlertState;
  at: string;
  value: number | null;
  threshold: number | null;
  summary: string;
  notified: boolean;
}

export interface AlertDeliveryView {
  id: string;
  created_at: string;
  kind: "firing" | "resolved" | "test";
  rule_id: string | null;
  rule_name: string | null;
  destination: string;
  format: "generic" | "slack";
  status: "sending" | "delivered" | "failed";
  attempts: AlertDeliveryAttempt[];
  last_error: string | null;
  completed_at: string | null;
}

/** The body of GET /api/admin/alerts. */
export interface AlertsOverview {
  rules: AlertRuleView[];
  firing: Array<{ id: AlertRuleId; name: string; summary: string | null; since: string | null }>;
  history: AlertTransitionView[];
  deliveries: AlertDeliveryView[];
  webhook: WebhookDescription;
  last_evaluated_at: string | null;
}

const ruleName = (id: string | null) => (id && id in alertRuleDefinitions ? alertRuleDefinitions[id as AlertRuleId].name : id);

export function toDeliveryView(row: Awaited<ReturnType<typeof selectRecentDeliveries>>[number]): AlertDeliveryView {
  return {
    id: row.id,
    created_at: row.createdAt.toISOString(),
    kind: row.kind,
    rule_id: row.ruleId,
    rule_name: ruleName(row.ruleId),
    destination: row.destination,
    format: row.format,
    status: row.status,
    attempts: row.attempts,
    last_error: row.lastError,
    completed_at: row.completedAt?.toISOString() ?? null,
  };
}

/** Reads the rules with their current state, the recent transitions and the recent deliveries. */
export async function readAlertsOverview(db: Database): Promise<AlertsOverview> {
  await ensureAlertRules(db);
  const [rules, states, transitions, deliveries, webhook] = await Promise.all([
    selectAlertRules(db),
    selectAlertStates(db),
    selectRecentTransitions(db, historyLimit),
    selectRecentDeliveries(db, deliveryLimit),
    describeWebhook(db),
  ]);

  // Without Redis the Redis rules never fire; saying so beats an "OK" that checked nothing.
  const redisConfigured = getConfiguredSessionStore() === "redis";
  const ruleViews: AlertRuleView[] = rules.map((rule) => {
    const definition = alertRuleDefinitions[rule.id];
    const state = states.get(rule.id);
    const notApplicable = !redisConfigured && rule.id.startsWith("redis_");
    return {
      id: rule.id,
      name: definition.name,
      description: definition.description,
      unit: definition.unit,
      enabled: rule.enabled,
      threshold: rule.threshold,
      threshold_range: definition.thresholdRange ?? null,
      duration_seconds: rule.durationSeconds,
      window_seconds: rule.windowSeconds,
      cooldown_seconds: rule.cooldownSeconds,
      state: state?.state ?? "inactive",
      state_since: state?.changedAt.toISOString() ?? null,
      value: state?.value ?? null,
      summary: notApplicable ? "Redis is not configured, so this rule does not apply." : (state?.summary ?? null),
      evaluated_at: state?.evaluatedAt.toISOString() ?? null,
      updated_at: rule.updatedAt.toISOString(),
      updated_by: rule.updatedBy,
    };
  });
  const evaluatedTimes = ruleViews.map((rule) => rule.evaluated_at).filter((time): time is string => time !== null).sort();

  return {
    rules: ruleViews,
    firing: ruleViews.filter((rule) => rule.state === "firing").map((rule) => ({ id: rule.id, name: rule.name, summary: rule.summary, since: rule.state_since })),
    history: transitions.map((row) => ({
      id: row.id,
      rule_id: row.ruleId,
      rule_name: ruleName(row.ruleId) ?? row.ruleId,
      from_state: row.fromState,
      to_state: row.toState,
      at: row.at.toISOString(),
      value: row.value,
      threshold: row.threshold,
      summary: row.summary,
      notified: row.notified,
    })),
    deliveries: deliveries.map(toDeliveryView),
    webhook,
    last_evaluated_at: evaluatedTimes.at(-1) ?? null,
  };
}
