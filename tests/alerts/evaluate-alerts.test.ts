import { randomUUID } from "node:crypto";

import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { evaluateAlerts } from "@/lib/alerts/evaluate-alerts";
import { evaluateRules } from "@/lib/alerts/evaluate-rules";
import { alertRuleDefinitions, type AlertInputs } from "@/lib/alerts/rule-definitions";
import { connectPostgres, type Database, type DatabaseConnection } from "@/lib/db/client";
import {
  selectFailedSignIns,
  selectSignInRates,
  selectTopUsersBySessions,
  selectUserCountries,
} from "@/lib/db/queries/alert-inputs";
import { incrementFailedSignIns } from "@/lib/db/queries/alerts";
import { insertUser } from "@/lib/db/queries/users";
import { alertEvaluations, alertTransitions, failedSignInsMinutely, sessionEventsMinutely } from "@/lib/db/schema";
import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { generateSessionToken, hashSessionToken } from "@/lib/sessions/token";

import { createTestDatabase, type TestDatabase } from "../support/databases";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

// A fake clock for the evaluations: minute n of the script is `start + n minutes`.
const start = new Date("2026-03-01T12:00:30Z");
const minute = 60_000;
const at = (minutes: number) => new Date(start.getTime() + minutes * minute);

let database: TestDatabase;
let second: DatabaseConnection;
let receiver: WebhookReceiver;

/** Inputs under which no rule fires with its default settings, except as `failedSignIns` sets. */
function inputs(failedSignIns: number): AlertInputs {
  return {
    activeSessions: 10,
    activeSessionSamples: [],
    redis: null,
    signIns: { lastMinute: 0, trailingHourAverage: 0 },
    failedSignIns,
    topUsersBySessions: [],
    userCountries: [],
  };
}

beforeAll(async () => {
  database = await createTestDatabase();
  // A second pool on the same database plays a second console instance.
  second = connectPostgres(database.url);
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await receiver?.stop();
  await second?.close();
  await database?.drop();
});

describe("alert evaluation", () => {
  it("two instances send each transition once", async () => {
    const webhook = { url: `${receiver.baseUrl}/hook`, format: "generic" as const, timeoutMs: 2000, maxAttempts: 3, backoffMs: 20 };
    // Quiet, firing for two minutes, quiet again.
    const script = [0, 50, 50, 0];

    for (const [index, failed] of script.entries()) {
      const evaluate = (db: Database) =>
        evaluateAlerts({ db, now: at(index), collectInputs: async () => inputs(failed), webhook, consoleUrl: null });
      const runs = await Promise.all([evaluate(database.connection.db), evaluate(second.db), evaluate(database.connection.db)]);

      expect(runs.filter((run) => run.ran), `runs at minute ${index}`).toHaveLength(1);
    }

    expect(receiver.received.map((request) => [request.body.kind, request.body.rule.id])).toEqual([
      ["firing", "failed_sign_ins"],
      ["resolved", "failed_sign_ins"],
    ]);
    const transitions = await database.connection.db.select().from(alertTransitions).where(eq(alertTransitions.ruleId, "failed_sign_ins"));
    expect(transitions.map((row) => row.toState).sort()).toEqual(["firing", "resolved"]);
    expect(await database.connection.db.select().from(alertEvaluations)).toHaveLength(script.length);
  });

  it("skips a run older than the last", async () => {
    // Its minute was never claimed, but a later minute was evaluated already.
    const run = await evaluateAlerts({
      db: database.connection.db,
      now: at(-5),
      collectInputs: async () => inputs(50),
      webhook: null,
    });

    expect(run.ran).toBe(false);
  });
});

describe("alert inputs from PostgreSQL", () => {
  let db: Database;
  const now = new Date();
  const lastMinute = new Date(Math.floor(now.getTime() / minute) * minute - minute);

  async function createSession(userId: string, country: string | null, createdAt: Date) {
    const store = new DatabaseSessionStore(async () => db);
    await store.create(
      {
        id: randomUUID(),
        tokenHash: hashSessionToken(generateSessionToken()),
        userId,
        role: "user",
        ip: null,
        userAgent: null,
        country,
        maxAgeSeconds: 3600,
        idleTimeoutSeconds: 1800,
      },
      { createdAt, lastSeenAt: createdAt, absoluteExpiresAt: new Date(now.getTime() + 3_600_000), expiresAt: new Date(now.getTime() + 1_800_000) },
    );
  }

  beforeAll(async () => {
    db = database.connection.db;
    const traveller = await insertUser(db, { email: "traveller@example.com", name: null, role: "user", passwordHash: "x" });
    const other = await insertUser(db, { email: "other@example.com", name: null, role: "user", passwordHash: "x" });
    // The traveller signs in from Germany, then Australia, then Brazil, within half an hour.
    for (const [index, country] of ["DE", "AU", "BR"].entries()) {
      await createSession(traveller.id, country, new Date(now.getTime() - (30 - index * 10) * minute));
    }
    await createSession(traveller.id, null, new Date(now.getTime() - 5 * minute));
    await createSession(other.id, "DE", new Date(now.getTime() - 2 * minute));
  });

  it("read sessions and countries per user", async () => {
    const top = await selectTopUsersBySessions(db, now);
    const countries = await selectUserCountries(db, new Date(now.getTime() - 60 * minute));

    expect(top[0]).toMatchObject({ email: "traveller@example.com", sessions: 4 });
    expect(top[1]).toMatchObject({ email: "other@example.com", sessions: 1 });
    const travelled = countries.filter((row) => row.email === "traveller@example.com").map((row) => row.country).sort();
    expect(travelled).toEqual(["AU", "BR", "DE"]);
  });

  it("count failed sign-ins per minute", async () => {
    await incrementFailedSignIns(db);
    await incrementFailedSignIns(db);
    await incrementFailedSignIns(db);

    const rows = await db.select().from(failedSignInsMinutely);
    expect(rows).toHaveLength(1);
    expect(rows[0].failures).toBe(3);
    expect(await selectFailedSignIns(db, rows[0].minute)).toBe(3);
    expect(await selectFailedSignIns(db, new Date(rows[0].minute.getTime() - minute))).toBe(0);
  });

  it("read sign-in rates from the history", async () => {
    expect(await selectSignInRates(db, lastMinute)).toBeNull();

    // Two sign-ins a minute for the hour before, then 40 in the last minute.
    const hour = Array.from({ length: 60 }, (_, index) => ({
      minute: new Date(lastMinute.getTime() - (index + 1) * minute),
      signIns: 2,
      signOuts: 0,
      revocations: 0,
      expirations: 0,
    }));
    await db.insert(sessionEventsMinutely).values([...hour, { minute: lastMinute, signIns: 40, signOuts: 0, revocations: 0, expirations: 0 }]);

    expect(await selectSignInRates(db, lastMinute)).toEqual({ lastMinute: 40, trailingHourAverage: 2 });
  });

  it("feed the per-user rules", async () => {
    const data: AlertInputs = {
      ...inputs(0),
      topUsersBySessions: await selectTopUsersBySessions(db, now),
      userCountries: await selectUserCountries(db, new Date(now.getTime() - 60 * minute)),
    };
    const rules = [
      { id: "user_session_count" as const, ...alertRuleDefinitions.user_session_count.defaults, threshold: 3 },
      { id: "user_country_count" as const, ...alertRuleDefinitions.user_country_count.defaults, threshold: 2 },
      { id: "user_countries_far_apart" as const, ...alertRuleDefinitions.user_countries_far_apart.defaults },
    ];

    const result = evaluateRules({ rules, states: new Map(), inputs: data, now });

    expect(result.states.map((state) => [state.ruleId, state.state])).toEqual([
      ["user_session_count", "firing"],
      ["user_country_count", "firing"],
      ["user_countries_far_apart", "firing"],
    ]);
    expect(result.states[2].summary).toContain("traveller@example.com");
    expect(result.states[2].summary).not.toContain("other@example.com");
  });
});
