import { distanceBetweenCountriesKm } from "./country-centroids";

/** The data one evaluation reads; lib/alerts/collect-inputs.ts collects it from the stores. */
export interface AlertInputs {
  /** Null when no store could count. */
  activeSessions: number | null;
  /** The recorded active-session samples of the last 24 hours at most, one per minute. */
  activeSessionSamples: Array<{ minute: Date; activeSessions: number }>;
  /** Null when Redis is not configured: the Redis rules then never fire. */
  redis: RedisInputs | null;
  /** Sign-ins of the last completed minute and the average per minute of the 60 before it; null before the history has that minute. */
  signIns: { lastMinute: number; trailingHourAverage: number } | null;
  /** Failed sign-ins in the last completed minute. */
  failedSignIns: number | null;
  /** The users with the most live sessions, most first (a few); null when PostgreSQL did not respond. */
  topUsersBySessions: Array<{ userId: string; email: string; sessions: number }> | null;
  /** Each (user, country) pair with sign-ins within the longest rule window, with the latest sign-in from there; null when PostgreSQL did not respond. */
  userCountries: Array<{ userId: string; email: string; country: string; lastSignInAt: Date }> | null;
}

export interface RedisInputs {
  reachable: boolean;
  error: string | null;
  /** Sessions are served from PostgreSQL although Redis is configured. */
  fallbackActive: boolean;
  /** Null when the memory report could not be read. */
  memory: {
    /** used_memory / maxmemory, 0 to 1; null without a maxmemory limit. */
    usedShare: number | null;
    /** Keys evicted since Redis started (INFO evicted_keys). */
    evictedKeys: number;
    evictionPolicy: string;
    /** The policy can evict session keys (the store-health warning of the same name). */
    evictionPolicyRisk: boolean;
    keysWithoutTtl: number;
  } | null;
}

export const alertRuleIds = [
  "active_sessions_high",
  "active_sessions_drop",
  "redis_unreachable",
  "redis_fallback",
  "redis_memory_high",
  "redis_evicted_keys",
  "redis_eviction_policy",
  "redis_keys_without_ttl",
  "sign_in_burst",
  "failed_sign_ins",
  "user_session_count",
  "user_country_count",
  "user_countries_far_apart",
] as const;
export type AlertRuleId = (typeof alertRuleIds)[number];

/** The admin-editable part of a rule. */
export interface AlertRuleSettings {
  id: AlertRuleId;
  enabled: boolean;
  /** Null for rules without a threshold (a yes-or-no condition). */
  threshold: number | null;
  durationSeconds: number;
  /** Null for rules that measure no window. */
  windowSeconds: number | null;
  cooldownSeconds: number;
}

/** One rule's reading at one evaluation. */
export interface Measurement {
  /** The condition holds. */
  active: boolean;
  /** The number compared with the threshold, in the rule's unit; null for yes-or-no rules. */
  value: number | null;
  summary: string;
  /** A raw reading to keep for the next evaluation, for rules that measure growth. */
  reading?: number;
}

interface MeasureContext {
  now: Date;
  /** The reading the previous evaluation kept; null at the first one. */
  previousReading: number | null;
}

export interface AlertRuleDefinition {
  id: AlertRuleId;
  name: string;
  description: string;
  /** The unit of the threshold and of the measured value; null for yes-or-no rules. */
  unit: string | null;
  defaults: Omit<AlertRuleSettings, "id">;
  /** Allowed thresholds; absent for rules without one. */
  thresholdRange?: { min: number; max: number };
  /** Returns null when the inputs are unknown because a store did not respond, so the state stays as it is. */
  measure(inputs: AlertInputs, settings: AlertRuleSettings, context: MeasureContext): Measurement | null;
}

const minute = 60;
// A 15-minute cooldown sends at most one firing message per rule per quarter hour however the condition flaps.
const defaultCooldownSeconds = 15 * minute;
// Below this peak, a drop in percent means little (3 sessions falling to 1 is 67%).
export const DROP_MINIMUM_PEAK_SESSIONS = 20;
// A burst needs at least this many sign-ins in the minute, so that 2 sign-ins after a quiet hour do not fire.
export const BURST_MINIMUM_SIGN_INS = 10;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const windowText = (seconds: number) => (seconds % 3600 === 0 ? plural(seconds / 3600, "hour") : plural(Math.round(seconds / 60), "minute"));

/** Groups the (user, country) rows inside the window by user. */
function countriesByUser(rows: NonNullable<AlertInputs["userCountries"]>, settings: AlertRuleSettings, now: Date) {
  const since = now.getTime() - (settings.windowSeconds ?? 3600) * 1000;
  const users = new Map<string, { email: string; countries: string[] }>();
  for (const row of rows) {
    if (row.lastSignInAt.getTime() < since) continue;
    const user = users.get(row.userId) ?? { email: row.email, countries: [] };
    if (!user.countries.includes(row.country)) user.countries.push(row.country);
    users.set(row.userId, user);
  }
  return [...users.values()];
}

function farthestPair(countries: string[]): { km: number; from: string; to: string } | null {
  let farthest: { km: number; from: string; to: string } | null = null;
  for (let i = 0; i < countries.length; i += 1) {
    for (let j = i + 1; j < countries.length; j += 1) {
      const km = distanceBetweenCountriesKm(countries[i], countries[j]);
      if (km !== null && (!farthest || km > farthest.km)) farthest = { km, from: countries[i], to: countries[j] };
    }
  }
  return farthest;
}

/** Applies a measure only when Redis is configured and its memory report was read. */
function withRedisMemory(
  inputs: AlertInputs,
  measure: (memory: NonNullable<RedisInputs["memory"]>) => Measurement,
): Measurement | null {
  if (!inputs.redis?.memory) return null;
  return measure(inputs.redis.memory);
}

export const alertRuleDefinitions: Record<AlertRuleId, AlertRuleDefinition> = {
  active_sessions_high: {
    id: "active_sessions_high",
    name: "Active sessions above threshold",
    description: "The number of active sessions is above the threshold.",
    unit: "sessions",
    defaults: { enabled: true, threshold: 100_000, durationSeconds: 5 * minute, windowSeconds: null, cooldownSeconds: defaultCooldownSeconds },
    thresholdRange: { min: 1, max: 1e9 },
    measure(inputs, settings) {
      if (inputs.activeSessions === null) return null;
      return {
        active: inputs.activeSessions > (settings.threshold ?? Infinity),
        value: inputs.activeSessions,
        summary: `${plural(inputs.activeSessions, "active session")} (threshold ${settings.threshold}).`,
      };
    },
  },

  active_sessions_drop: {
    id: "active_sessions_drop",
    name: "Active sessions dropping",
    description: `Active sessions fell by more than the threshold (percent) below their peak within the window, from a peak of at least ${DROP_MINIMUM_PEAK_SESSIONS}: a mass sign-out, often eviction or a Redis restart.`,
    unit: "%",
    defaults: { enabled: true, threshold: 50, durationSeconds: 0, windowSeconds: 10 * minute, cooldownSeconds: defaultCooldownSeconds },
    thresholdRange: { min: 1, max: 100 },
    measure(inputs, settings, { now }) {
      const current = inputs.activeSessions;
      if (current === null) return null;

      const since = now.getTime() - (settings.windowSeconds ?? 600) * 1000;
      const peak = Math.max(current, ...inputs.activeSessionSamples.filter((sample) => sample.minute.getTime() >= since).map((sample) => sample.activeSessions));
      const drop = peak > 0 ? ((peak - current) / peak) * 100 : 0;
      const window = windowText(settings.windowSeconds ?? 600);
      if (peak < DROP_MINIMUM_PEAK_SESSIONS) {
        return { active: false, value: round(drop), summary: `Peak of ${peak} active ${peak === 1 ? "session" : "sessions"} in the last ${window} is below the minimum of ${DROP_MINIMUM_PEAK_SESSIONS}.` };
      }
      return {
        active: drop > (settings.threshold ?? 100),
        value: round(drop),
        summary: `Active sessions fell from ${peak} to ${current} (${round(drop)}%) within the last ${window}.`,
      };
    },
  },

  redis_unreachable: {
    id: "redis_unreachable",
    name: "Redis unreachable",
    description: "Redis does not respond to the health check for longer than the duration.",
    unit: null,
    defaults: { enabled: true, threshold: null, durationSeconds: minute, windowSeconds: null, cooldownSeconds: defaultCooldownSeconds },
    measure(inputs) {
      if (!inputs.redis) return null;
      return {
        active: !inputs.redis.reachable,
        value: null,
        summary: inputs.redis.reachable ? "Redis responds." : `Redis does not respond: ${inputs.redis.error ?? "no answer"}.`,
      };
    },
  },

  redis_fallback: {
    id: "redis_fallback",
    name: "PostgreSQL fallback in use",
    description: "Redis is configured, but sessions are served from PostgreSQL.",
    unit: null,
    defaults: { enabled: true, threshold: null, durationSeconds: minute, windowSeconds: null, cooldownSeconds: defaultCooldownSeconds },
    measure(inputs) {
      if (!inputs.redis) return null;
      return {
        active: inputs.redis.fallbackActive,
        value: null,
        summary: inputs.redis.fallbackActive ? "Sessions are served from PostgreSQL instead of Redis." : "Sessions are served from Redis.",
      };
    },
  },

  redis_memory_high: {
    id: "redis_memory_high",
    name: "Redis memory high",
    description: "Redis uses more than the threshold (percent) of its maxmemory.",
    unit: "%",
    defaults: { enabled: true, threshold: 80, durationSeconds: 5 * minute, windowSeconds: null, cooldownSeconds: defaultCooldownSeconds },
    thresholdRange: { min: 1, max: 100 },
    measure(inputs, settings) {
      return withRedisMemory(inputs, (memory) => {
        if (memory.usedShare === null) return { active: false, value: null, summary: "Redis has no maxmemory limit." };
        const percent = round(memory.usedShare * 100);
        return { active: percent > (settings.threshold ?? 100), value: percent, summary: `Redis uses ${percent}% of maxmemory.` };
      });
    },
  },

  redis_evicted_keys: {
    id: "redis_evicted_keys",
    name: "Redis evicting keys",
    description: "Redis evicted more keys than the threshold since the previous evaluation; evicted session keys sign users out.",
    unit: "keys",
    defaults: { enabled: true, threshold: 0, durationSeconds: 0, windowSeconds: null, cooldownSeconds: defaultCooldownSeconds },
    thresholdRange: { min: 0, max: 1e9 },
    measure(inputs, settings, { previousReading }) {
      return withRedisMemory(inputs, (memory) => {
        let growth = 0;
        if (previousReading !== null) {
          // A counter lower than before means Redis restarted and counts from zero again.
          growth = memory.evictedKeys >= previousReading ? memory.evictedKeys - previousReading : memory.evictedKeys;
        }
        return {
          active: growth > (settings.threshold ?? Infinity),
          value: growth,
          summary: `Redis evicted ${plural(growth, "key")} since the previous evaluation (${memory.evictedKeys} since it started, policy ${memory.evictionPolicy}).`,
          reading: memory.evictedKeys,
        };
      });
    },
  },

  redis_eviction_policy: {
    id: "redis_eviction_policy",
    name: "Eviction policy can evict sessions",
    description: "Redis's maxmemory-policy may evict session keys when memory runs out (allkeys-*, or volatile-* with sessions as the only keys with a TTL).",
    unit: null,
    defaults: { enabled: true, threshold: null, durationSeconds: 0, windowSeconds: null, cooldownSeconds: 24 * 60 * minute },
    measure(inputs) {
      return withRedisMemory(inputs, (memory) => ({
        active: memory.evictionPolicyRisk,
        value: null,
        summary: memory.evictionPolicyRisk
          ? `maxmemory-policy ${memory.evictionPolicy} can evict session keys.`
          : `maxmemory-policy ${memory.evictionPolicy} keeps session keys.`,
      }));
    },
  },

  redis_keys_without_ttl: {
    id: "redis_keys_without_ttl",
    name: "Session keys without a TTL",
    description: "More session keys than the threshold have no TTL, so Redis would keep them forever.",
    unit: "keys",
    defaults: { enabled: true, threshold: 0, durationSeconds: 0, windowSeconds: null, cooldownSeconds: defaultCooldownSeconds },
    thresholdRange: { min: 0, max: 1e9 },
    measure(inputs, settings) {
      return withRedisMemory(inputs, (memory) => ({
        active: memory.keysWithoutTtl > (settings.threshold ?? Infinity),
        value: memory.keysWithoutTtl,
        summary: `${plural(memory.keysWithoutTtl, "session key")} without a TTL.`,
      }));
    },
  },

  sign_in_burst: {
    id: "sign_in_burst",
    name: "Sign-in burst",
    description: `Sign-ins in the last minute are more than the threshold times the average per minute of the hour before, and at least ${BURST_MINIMUM_SIGN_INS}.`,
    unit: "× hourly average",
    defaults: { enabled: true, threshold: 5, durationSeconds: 0, windowSeconds: null, cooldownSeconds: defaultCooldownSeconds },
    thresholdRange: { min: 1, max: 1000 },
    measure(inputs, settings) {
      if (!inputs.signIns) return null;
      const { lastMinute, trailingHourAverage } = inputs.signIns;
      const ratio = trailingHourAverage > 0 ? round(lastMinute / trailingHourAverage) : null;
      const enough = lastMinute >= BURST_MINIMUM_SIGN_INS;
      return {
        active: enough && lastMinute > (settings.threshold ?? Infinity) * trailingHourAverage,
        value: ratio,
        summary: `${plural(lastMinute, "sign-in")} in the last minute; the hour before averaged ${round(trailingHourAverage, 2)} a minute.`,
      };
    },
  },

  failed_sign_ins: {
    id: "failed_sign_ins",
    name: "Failed sign-ins",
    description: "Failed sign-ins in the last minute are above the threshold.",
    unit: "per minute",
    defaults: { enabled: true, threshold: 20, durationSeconds: 0, windowSeconds: null, cooldownSeconds: defaultCooldownSeconds },
    thresholdRange: { min: 0, max: 1e9 },
    measure(inputs, settings) {
      if (inputs.failedSignIns === null) return null;
      return {
        active: inputs.failedSignIns > (settings.threshold ?? Infinity),
        value: inputs.failedSignIns,
        summary: `${plural(inputs.failedSignIns, "failed sign-in")} in the last minute.`,
      };
    },
  },

  user_session_count: {
    id: "user_session_count",
    name: "User with many sessions",
    description: "One user has more live sessions at once than the threshold.",
    unit: "sessions",
    defaults: { enabled: true, threshold: 20, durationSeconds: 0, windowSeconds: null, cooldownSeconds: defaultCooldownSeconds },
    thresholdRange: { min: 1, max: 1e6 },
    measure(inputs, settings) {
      if (!inputs.topUsersBySessions) return null;
      const threshold = settings.threshold ?? Infinity;
      const top = inputs.topUsersBySessions[0];
      const over = inputs.topUsersBySessions.filter((user) => user.sessions > threshold);
      return {
        active: over.length > 0,
        value: top?.sessions ?? 0,
        summary:
          over.length > 0
            ? `${over.map((user) => `${user.email} has ${user.sessions} live sessions`).join("; ")}.`
            : `No user has more than ${threshold} live sessions (most: ${top?.sessions ?? 0}).`,
      };
    },
  },

  user_country_count: {
    id: "user_country_count",
    name: "User signing in from many countries",
    description: "One user signed in from more countries than the threshold within the window.",
    unit: "countries",
    defaults: { enabled: true, threshold: 3, durationSeconds: 0, windowSeconds: 60 * minute, cooldownSeconds: defaultCooldownSeconds },
    thresholdRange: { min: 1, max: 250 },
    measure(inputs, settings, { now }) {
      if (!inputs.userCountries) return null;
      const threshold = settings.threshold ?? Infinity;
      const users = countriesByUser(inputs.userCountries, settings, now);
      const over = users.filter((user) => user.countries.length > threshold);
      const most = Math.max(0, ...users.map((user) => user.countries.length));
      const window = windowText(settings.windowSeconds ?? 3600);
      return {
        active: over.length > 0,
        value: most,
        summary:
          over.length > 0
            ? `${over.slice(0, 3).map((user) => `${user.email} from ${user.countries.join(", ")}`).join("; ")} within the last ${window}.`
            : `No user signed in from more than ${threshold} countries within the last ${window}.`,
      };
    },
  },

  user_countries_far_apart: {
    id: "user_countries_far_apart",
    name: "User signing in from far apart",
    description: "One user signed in from two countries whose centres are farther apart than the threshold (km) within the window.",
    unit: "km",
    defaults: { enabled: true, threshold: 3000, durationSeconds: 0, windowSeconds: 60 * minute, cooldownSeconds: defaultCooldownSeconds },
    thresholdRange: { min: 100, max: 20_100 },
    measure(inputs, settings, { now }) {
      if (!inputs.userCountries) return null;
      const threshold = settings.threshold ?? Infinity;
      const pairs = countriesByUser(inputs.userCountries, settings, now)
        .map((user) => ({ email: user.email, pair: farthestPair(user.countries) }))
        .filter((user) => user.pair !== null)
        .sort((a, b) => b.pair!.km - a.pair!.km);
      const farthest = pairs[0];
      const over = pairs.filter((user) => user.pair!.km > threshold);
      const window = windowText(settings.windowSeconds ?? 3600);
      return {
        active: over.length > 0,
        value: farthest ? Math.round(farthest.pair!.km) : 0,
        summary:
          over.length > 0
            ? `${over.slice(0, 3).map((user) => `${user.email} from ${user.pair!.from} and ${user.pair!.to}, about ${Math.round(user.pair!.km)} km apart`).join("; ")}, within the last ${window}.`
            : `No user signed in from countries more than ${threshold} km apart within the last ${window}.`,
      };
    },
  },
};

export function isAlertRuleId(id: string): id is AlertRuleId {
  return (alertRuleIds as readonly string[]).includes(id);
}
