import { describe, expect, it } from "vitest";

import { evaluateRules, type AlertNotification, type RuleState, type Transition } from "@/lib/alerts/evaluate-rules";
import {
  alertRuleDefinitions,
  alertRuleIds,
  type AlertInputs,
  type AlertRuleId,
  type AlertRuleSettings,
} from "@/lib/alerts/rule-definitions";

// A fake clock: step n of a script runs at `start + n minutes`.
const start = new Date("2026-03-01T12:00:00Z");
const minute = 60_000;
const at = (minutes: number) => new Date(start.getTime() + minutes * minute);

/** Inputs under which no rule fires with its default settings. */
function quiet(minutes = 0): AlertInputs {
  return {
    activeSessions: 100,
    activeSessionSamples: [{ minute: at(minutes - 5), activeSessions: 100 }],
    redis: {
      reachable: true,
      error: null,
      fallbackActive: false,
      memory: { usedShare: 0.1, evictedKeys: 0, evictionPolicy: "noeviction", evictionPolicyRisk: false, keysWithoutTtl: 0 },
    },
    signIns: { lastMinute: 12, trailingHourAverage: 10 },
    failedSignIns: 0,
    topUsersBySessions: [{ userId: "u1", email: "ann@example.com", sessions: 3 }],
    userCountries: [{ userId: "u1", email: "ann@example.com", country: "DE", lastSignInAt: at(minutes - 5) }],
  };
}

type Change = (inputs: AlertInputs, minutes: number) => AlertInputs;
const memory = (inputs: AlertInputs, changes: Partial<NonNullable<NonNullable<AlertInputs["redis"]>["memory"]>>): AlertInputs => ({
  ...inputs,
  redis: { ...inputs.redis!, memory: { ...inputs.redis!.memory!, ...changes } },
});
const countries = (codes: string[], minutes: number): AlertInputs["userCountries"] =>
  codes.map((country) => ({ userId: "u1", email: "ann@example.com", country, lastSignInAt: at(minutes - 1) }));

// Per rule: inputs just at or below the threshold (default settings), and inputs above it. `after`
// returns to quiet data; by default the quiet inputs themselves.
const cases: Array<{ id: AlertRuleId; below: Change; above: Change; after?: Change }> = [
  { id: "active_sessions_high", below: (i) => ({ ...i, activeSessions: 100_000 }), above: (i) => ({ ...i, activeSessions: 100_001 }) },
  {
    id: "active_sessions_drop",
    below: (i) => ({ ...i, activeSessions: 50 }),
    above: (i) => ({ ...i, activeSessions: 49 }),
    // The peak has left the ten-minute window: the lower level is the new normal.
    after: (i, minutes) => ({ ...i, activeSessions: 49, activeSessionSamples: [{ minute: at(minutes - 11), activeSessions: 100 }] }),
  },
  { id: "redis_unreachable", below: (i) => i, above: (i) => ({ ...i, redis: { ...i.redis!, reachable: false, error: "connect ECONNREFUSED" } }) },
  { id: "redis_fallback", below: (i) => i, above: (i) => ({ ...i, redis: { ...i.redis!, fallbackActive: true } }) },
  { id: "redis_memory_high", below: (i) => memory(i, { usedShare: 0.8 }), above: (i) => memory(i, { usedShare: 0.81 }) },
  {
    id: "redis_evicted_keys",
    below: (i) => memory(i, { evictedKeys: 0 }),
    above: (i) => memory(i, { evictedKeys: 7 }),
    after: (i) => memory(i, { evictedKeys: 7 }),
  },
  { id: "redis_eviction_policy", below: (i) => memory(i, { evictionPolicy: "volatile-lru" }), above: (i) => memory(i, { evictionPolicy: "allkeys-lru", evictionPolicyRisk: true }) },
  { id: "redis_keys_without_ttl", below: (i) => memory(i, { keysWithoutTtl: 0 }), above: (i) => memory(i, { keysWithoutTtl: 1 }) },
  { id: "sign_in_burst", below: (i) => ({ ...i, signIns: { lastMinute: 50, trailingHourAverage: 10 } }), above: (i) => ({ ...i, signIns: { lastMinute: 51, trailingHourAverage: 10 } }) },
  { id: "failed_sign_ins", below: (i) => ({ ...i, failedSignIns: 20 }), above: (i) => ({ ...i, failedSignIns: 21 }) },
  {
    id: "user_session_count",
    below: (i) => ({ ...i, topUsersBySessions: [{ userId: "u1", email: "ann@example.com", sessions: 20 }] }),
    above: (i) => ({ ...i, topUsersBySessions: [{ userId: "u1", email: "ann@example.com", sessions: 21 }] }),
  },
  {
    id: "user_country_count",
    below: (i, m) => ({ ...i, userCountries: countries(["DE", "FR", "NL"], m) }),
    above: (i, m) => ({ ...i, userCountries: countries(["DE", "FR", "NL", "PL"], m) }),
  },
  {
    id: "user_countries_far_apart",
    // Germany to France is about 700 km; Germany to Australia about 14,000 km.
    below: (i, m) => ({ ...i, userCountries: countries(["DE", "FR"], m) }),
    above: (i, m) => ({ ...i, userCountries: countries(["DE", "AU"], m) }),
  },
];

function settingsOf(id: AlertRuleId, overrides: Partial<AlertRuleSettings> = {}): AlertRuleSettings {
  return { id, ...alertRuleDefinitions[id].defaults, ...overrides };
}

/** Runs one rule over a script of inputs, a minute apart, carrying the state from step to step. */
function runScript(settings: AlertRuleSettings, script: Array<(minutes: number) => AlertInputs>, stepMinutes = 1) {
  let counter = 0;
  let states = new Map<AlertRuleId, RuleState>();
  const seen: RuleState[] = [];
  const transitions: Transition[] = [];
  const notifications: AlertNotification[] = [];

  script.forEach((inputsAt, index) => {
    const minutes = index * stepMinutes;
    const result = evaluateRules({ rules: [settings], states, inputs: inputsAt(minutes), now: at(minutes), newId: () => `t${(counter += 1)}` });
    states = new Map(result.states.map((state) => [state.ruleId, state]));
    seen.push(result.states[0]);
    transitions.push(...result.transitions);
    notifications.push(...result.notifications);
  });
  return { seen, transitions, notifications };
}

describe("alert rules", () => {
  it("cover every defined rule", () => {
    expect(cases.map((entry) => entry.id).sort()).toEqual([...alertRuleIds].sort());
  });

  it.each(cases)("$id stays quiet at its threshold", ({ id, below }) => {
    const settings = settingsOf(id, { durationSeconds: 0 });
    const { seen, notifications } = runScript(settings, [quiet, (m) => below(quiet(m), m), (m) => below(quiet(m), m)]);

    expect(seen.map((state) => state.state)).toEqual(["inactive", "inactive", "inactive"]);
    expect(notifications).toEqual([]);
  });

  it.each(cases)("$id fires and resolves", ({ id, above, after }) => {
    const settings = settingsOf(id, { durationSeconds: 0 });
    const back = after ?? ((inputs: AlertInputs) => inputs);
    const { seen, transitions, notifications } = runScript(settings, [quiet, (m) => above(quiet(m), m), (m) => back(quiet(m), m)]);

    expect(seen.map((state) => state.state)).toEqual(["inactive", "firing", "resolved"]);
    expect(transitions.map((row) => `${row.fromState}->${row.toState}`)).toEqual(["inactive->firing", "firing->resolved"]);
    expect(notifications.map((row) => row.kind)).toEqual(["firing", "resolved"]);
    expect(notifications[0].at).toEqual(at(1));
    expect(notifications[0].summary.length).toBeGreaterThan(0);
  });
});

describe("alert state machine", () => {
  const unreachable = (inputs: AlertInputs) => ({ ...inputs, redis: { ...inputs.redis!, reachable: false, error: "timed out" } });

  it("fires only after the duration", () => {
    // Half-minute steps: pending at 0.5 min, still pending at 1.0, firing at 1.5 (held 60 s).
    const settings = settingsOf("redis_unreachable", { durationSeconds: 60 });
    const { seen, notifications } = runScript(settings, [quiet, (m) => unreachable(quiet(m)), (m) => unreachable(quiet(m)), (m) => unreachable(quiet(m))], 0.5);

    expect(seen.map((state) => state.state)).toEqual(["inactive", "pending", "pending", "firing"]);
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ kind: "firing", ruleId: "redis_unreachable", at: at(1.5) });
  });

  it("pending clears without a message", () => {
    const settings = settingsOf("redis_unreachable", { durationSeconds: 120 });
    const { seen, transitions, notifications } = runScript(settings, [(m) => unreachable(quiet(m)), (m) => unreachable(quiet(m)), quiet]);

    expect(seen.map((state) => state.state)).toEqual(["pending", "pending", "inactive"]);
    expect(transitions.map((row) => row.toState)).toEqual(["pending", "inactive"]);
    expect(transitions.every((row) => !row.notified)).toBe(true);
    expect(notifications).toEqual([]);
  });

  it("cooldown limits a flapping rule", () => {
    // Failed sign-ins above the threshold every other minute, for 20 minutes, cooldown 15 minutes.
    const settings = settingsOf("failed_sign_ins", { cooldownSeconds: 15 * 60 });
    const script = Array.from({ length: 20 }, (_, index) => (m: number) => ({ ...quiet(m), failedSignIns: index % 2 === 0 ? 50 : 0 }));
    const { transitions, notifications } = runScript(settings, script);

    expect(transitions).toHaveLength(20);
    expect(notifications.map((row) => [row.kind, row.at.getTime()])).toEqual([
      ["firing", at(0).getTime()],
      ["resolved", at(1).getTime()],
      ["firing", at(16).getTime()],
      ["resolved", at(17).getTime()],
    ]);
    expect(transitions.filter((row) => row.notified)).toHaveLength(4);
  });

  it("held-back firing is sent after cooldown", () => {
    const settings = settingsOf("failed_sign_ins", { cooldownSeconds: 15 * 60 });
    const script = Array.from({ length: 17 }, (_, index) => (m: number) => ({ ...quiet(m), failedSignIns: index === 1 ? 0 : 50 }));
    const { transitions, notifications } = runScript(settings, script);

    const refiring = transitions.find((row) => row.toState === "firing" && row.at.getTime() === at(2).getTime());
    expect(refiring?.notified).toBe(false);
    expect(notifications.map((row) => [row.kind, row.at.getTime()])).toEqual([
      ["firing", at(0).getTime()],
      ["resolved", at(1).getTime()],
      ["firing", at(15).getTime()],
    ]);
    expect(notifications[2].transitionId).toBe(refiring?.id);
  });

  it("disabling resolves a firing rule", () => {
    const settings = settingsOf("failed_sign_ins");
    const firing = runScript(settings, [(m) => ({ ...quiet(m), failedSignIns: 50 })]);
    const states = new Map([[settings.id, firing.seen[0]]]);

    const result = evaluateRules({ rules: [{ ...settings, enabled: false }], states, inputs: { ...quiet(1), failedSignIns: 50 }, now: at(1) });

    expect(result.states[0].state).toBe("resolved");
    expect(result.notifications.map((row) => row.kind)).toEqual(["resolved"]);
  });

  it("unknown reading keeps the state", () => {
    const settings = settingsOf("active_sessions_high", { threshold: 10, durationSeconds: 0 });
    const { seen, transitions } = runScript(settings, [quiet, (m) => ({ ...quiet(m), activeSessions: null }), quiet]);

    expect(seen.map((state) => state.state)).toEqual(["firing", "firing", "firing"]);
    expect(transitions).toHaveLength(1);
  });

  it("drop ignores a small peak", () => {
    const settings = settingsOf("active_sessions_drop");
    const small = (m: number) => ({ ...quiet(m), activeSessions: 2, activeSessionSamples: [{ minute: at(m - 2), activeSessions: 15 }] });
    const { seen } = runScript(settings, [small, small]);

    expect(seen.map((state) => state.state)).toEqual(["inactive", "inactive"]);
  });

  it("burst needs a minimum of sign-ins", () => {
    const settings = settingsOf("sign_in_burst");
    const { seen } = runScript(settings, [(m) => ({ ...quiet(m), signIns: { lastMinute: 9, trailingHourAverage: 0.1 } })]);

    expect(seen[0].state).toBe("inactive");
  });
});
