import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sql } from "drizzle-orm";

import { evaluateAlerts } from "@/lib/alerts/evaluate-alerts";
import { selectFailedSignIns } from "@/lib/db/queries/alert-inputs";
import { alertTransitions, sessionSamplesMinutely } from "@/lib/db/schema";
import { recordHistory } from "@/lib/history/record-history";
import { withTimeout } from "@/lib/util/timeout";

import { createTestPglite } from "../support/databases";

let pglite: Awaited<ReturnType<typeof createTestPglite>>;

beforeAll(async () => {
  pglite = await createTestPglite();
});

afterAll(async () => {
  await pglite?.drop();
});

describe("scheduler on PGlite", () => {
  it("records history with a database sample", async () => {
    const db = pglite.connection.db;
    // The sample counts through the same single PGlite session, as the statistics do.
    const sample = async () => {
      await db.execute(sql`select 1`);
      return { activeSessions: 4, activeUsers: 2 };
    };

    const run = await withTimeout(recordHistory({ db, now: new Date(), sample }), 10_000, "history recording on PGlite");

    expect(run.sampled).toBe(true);
    expect(await db.select().from(sessionSamplesMinutely)).toHaveLength(1);
  });

  it("evaluates alerts once", async () => {
    const db = pglite.connection.db;
    const now = new Date("2026-03-01T12:00:30Z");
    // Reads through the same single PGlite session, as the real collector does.
    const collectInputs = async () => ({
      activeSessions: 0,
      activeSessionSamples: [],
      redis: null,
      signIns: null,
      failedSignIns: 25 + (await selectFailedSignIns(db, now)),
      topUsersBySessions: [],
      userCountries: [],
    });

    const runs = await withTimeout(
      Promise.all([evaluateAlerts({ db, now, collectInputs, webhook: null }), evaluateAlerts({ db, now, collectInputs, webhook: null })]),
      10_000,
      "alert evaluation on PGlite",
    );

    expect(runs.map((run) => run.ran).sort()).toEqual([false, true]);
    const transitions = await db.select().from(alertTransitions);
    expect(transitions.map((row) => [row.ruleId, row.toState])).toEqual([["failed_sign_ins", "firing"]]);
  });
});
