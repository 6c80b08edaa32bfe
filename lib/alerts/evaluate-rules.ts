import { randomUUID } from "node:crypto";

import type { AlertState } from "@/lib/db/schema";

import { alertRuleDefinitions, type AlertInputs, type AlertRuleId, type AlertRuleSettings } from "./rule-definitions";

/** A rule's state between evaluations, as stored in alert_rule_states. */
export interface RuleState {
  ruleId: AlertRuleId;
  state: AlertState;
  changedAt: Date;
  pendingSince: Date | null;
  value: number | null;
  summary: string | null;
  firingTransitionId: string | null;
  firingNotified: boolean;
  lastNotifiedAt: Date | null;
  previousReading: number | null;
  evaluatedAt: Date;
}

export interface Transition {
  id: string;
  ruleId: AlertRuleId;
  fromState: AlertState;
  toState: AlertState;
  at: Date;
  value: number | null;
  threshold: number | null;
  summary: string;
  notified: boolean;
}

/** A message to send: a rule started firing, or a firing that was announced has resolved. */
export interface AlertNotification {
  kind: "firing" | "resolved";
  ruleId: AlertRuleId;
  /** The transition the message announces; a firing held back by the cooldown is announced later under its own transition. */
  transitionId: string;
  at: Date;
  value: number | null;
  threshold: number | null;
  summary: string;
}

export interface Evaluation {
  states: RuleState[];
  transitions: Transition[];
  notifications: AlertNotification[];
}

function initialState(ruleId: AlertRuleId, now: Date): RuleState {
  return {
    ruleId,
    state: "inactive",
    changedAt: now,
    pendingSince: null,
    value: null,
    summary: null,
    firingTransitionId: null,
    firingNotified: false,
    lastNotifiedAt: null,
    previousReading: null,
    evaluatedAt: now,
  };
}

/**
 * Moves one rule through inactive, pending, firing and resolved for one reading.
 *
 * The cooldown limits firing messages: a rule that starts firing within `cooldownSeconds` of its
 * last firing message changes state (the transition is kept) without a message, and the message
 * follows once the cooldown is over if the rule still fires then. A resolution is announced only
 * when the firing it ends was announced, so a flapping condition sends at most one firing and one
 * resolved message per cooldown.
 */
function stepRule(
  settings: AlertRuleSettings,
  previous: RuleState,
  reading: { active: boolean; value: number | null; summary: string; reading?: number },
  now: Date,
  newId: () => string,
): Evaluation {
  const next: RuleState = {
    ...previous,
    value: reading.value,
    summary: reading.summary,
    evaluatedAt: now,
    previousReading: reading.reading ?? previous.previousReading,
  };
  const transitions: Transition[] = [];
  const notifications: AlertNotification[] = [];

  const move = (to: AlertState, notified: boolean): Transition => {
    const transition: Transition = {
      id: newId(),
      ruleId: settings.id,
      fromState: next.state,
      toState: to,
      at: now,
      value: reading.value,
      threshold: settings.threshold,
      summary: reading.summary,
      notified,
    };
    next.state = to;
    next.changedAt = now;
    transitions.push(transition);
    return transition;
  };
  const notify = (kind: AlertNotification["kind"], transitionId: string) => {
    notifications.push({ kind, ruleId: settings.id, transitionId, at: now, value: reading.value, threshold: settings.threshold, summary: reading.summary });
  };
  const cooldownOver = () =>
    next.lastNotifiedAt === null || now.getTime() - next.lastNotifiedAt.getTime() >= settings.cooldownSeconds * 1000;
  const fire = () => {
    const announce = cooldownOver();
    const transition = move("firing", announce);
    next.pendingSince = null;
    next.firingTransitionId = transition.id;
    next.firingNotified = announce;
    if (announce) {
      next.lastNotifiedAt = now;
      notify("firing", transition.id);
    }
  };

  if (reading.active) {
    if (next.state === "inactive" || next.state === "resolved") {
      if (settings.durationSeconds === 0) {
        fire();
      } else {
        next.pendingSince = now;
        move("pending", false);
      }
    } else if (next.state === "pending") {
      const heldMs = now.getTime() - (next.pendingSince ?? now).getTime();
      if (heldMs >= settings.durationSeconds * 1000) fire();
    } else if (!next.firingNotified && next.firingTransitionId && cooldownOver()) {
      next.firingNotified = true;
      next.lastNotifiedAt = now;
      notify("firing", next.firingTransitionId);
    }
  } else if (next.state === "pending") {
    next.pendingSince = null;
    move("inactive", false);
  } else if (next.state === "firing") {
    const announce = next.firingNotified;
    const transition = move("resolved", announce);
    if (announce) notify("resolved", transition.id);
    next.firingNotified = false;
    next.firingTransitionId = null;
  }

  return { states: [next], transitions, notifications };
}

/**
 * Evaluates every rule once against the inputs, at `now`, and returns the new states, the
 * transitions to record and the messages to send. Pure apart from `newId`: the same states,
 * inputs and time give the same result, which is what the tests drive with a fake clock.
 *
 * A disabled rule that was pending or firing ends (a firing one resolves); a rule whose reading
 * is unknown (a store did not respond) keeps its state.
 */
export function evaluateRules(options: {
  rules: AlertRuleSettings[];
  states: Map<AlertRuleId, RuleState>;
  inputs: AlertInputs;
  now: Date;
  newId?: () => string;
}): Evaluation {
  const { rules, states, inputs, now } = options;
  const newId = options.newId ?? randomUUID;
  const result: Evaluation = { states: [], transitions: [], notifications: [] };

  for (const settings of rules) {
    const previous = states.get(settings.id) ?? initialState(settings.id, now);
    const definition = alertRuleDefinitions[settings.id];

    let reading: ReturnType<typeof definition.measure>;
    if (!settings.enabled) {
      reading = { active: false, value: null, summary: "The rule is disabled." };
    } else {
      reading = definition.measure(inputs, settings, { now, previousReading: previous.previousReading });
    }

    if (!reading) {
      result.states.push({ ...previous, evaluatedAt: now });
      continue;
    }

    const step = stepRule(settings, previous, reading, now, newId);
    result.states.push(...step.states);
    result.transitions.push(...step.transitions);
    result.notifications.push(...step.notifications);
  }

  return result;
}
