import { randomUUID } from "node:crypto";

import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Database } from "@/lib/db/client";
import { insertUser } from "@/lib/db/queries/users";
import { sessionEventsMinutely, sessionHistoryHourly, sessionSamplesMinutely, sessions } from "@/lib/db/schema";
import { readHistory } from "@/lib/history/read-history";
import { recordHistory, startOfMinute } from "@/lib/history/record-history";
import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { generateSessionToken, hashSessionToken } from "@/lib/sessions/token";

import { createTestDatabase, type TestDatabase } from "../support/databases";

// A fake clock: every time below is relative to `base`, the start of the hour before last, and
// each recorder run gets its own "now". Only the sessions' own timestamps matter to the events.
// Starting on the hour keeps every scripted minute in one hour, whatever the time of the run.
const minute = 60_000;
const hourMs = 60 * minute;
const base = startOfMinute(new Date(Math.floor((Date.now() - 2 * hourMs) / hourMs) * hourMs));
const at = (minutes: number, seconds = 0) => new Date(base.getTime() + minutes * minute + seconds * 1000);

let database: TestDatabase;
let db: Database;
let store: DatabaseSessionStore;
let userId: string;

async function createSession(createdAt: Date, expiresAt: Date) {
  const id = randomUUID();
  await store.create(
    {
      id,
      tokenHash: hashSessionToken(generateSessionToken()),
      userId,
      role: "user",
      ip: null,
      userAgent: null,
      maxAgeSeconds: 3600,
      idleTimeoutSeconds: 1800,
    },
    { createdAt, lastSeenAt: createdAt, absoluteExpiresAt: expiresAt, expiresAt },
  );
  return id;
}

async function revoke(id: string, revokedAt: Date, reason: string) {
  await db.update(sessions).set({ revokedAt, revokedReason: reason }).where(eq(sessions.id, id));
}

const sample = async () => ({ activeSessions: 7, activeUsers: 3 });

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.connection.db;
  store = new DatabaseSessionStore(async () => db);
  userId = (await insertUser(db, { email: "history@example.com", name: null, role: "user", passwordHash: "x" })).id;

  // Minute 1: three sign-ins. Minute 2: one sign-in, one sign-out, one revocation.
  // Minute 3: two sessions expire. Minute 4: nothing.
  const first = await createSession(at(1, 5), at(40));
  const second = await createSession(at(1, 20), at(40));
  await createSession(at(1, 59), at(3, 10));
  await createSession(at(2, 30), at(3, 50));
  await revoke(first, at(2, 1), "sign_out");
  await revoke(second, at(2, 45), "admin");
});

afterAll(async () => {
  await database?.drop();
});

describe("history recording", () => {
  it("counts each minute's events exactly", async () => {
    const run = await recordHistory({ db, now: at(5, 10), sample });

    expect(run.ran).toBe(true);
    expect(run.sampled).toBe(true);
    const rows = await db.select().from(sessionEventsMinutely).where(sql`${sessionEventsMinutely.minute} between ${at(0).toISOString()}::timestamptz and ${at(4).toISOString()}::timestamptz`).orderBy(sessionEventsMinutely.minute);
    expect(rows.map((row) => [row.minute.getTime(), row.signIns, row.signOuts, row.revocations, row.expirations])).toEqual([
      [at(0).getTime(), 0, 0, 0, 0],
      [at(1).getTime(), 3, 0, 0, 0],
      [at(2).getTime(), 1, 1, 1, 0],
      [at(3).getTime(), 0, 0, 0, 2],
      [at(4).getTime(), 0, 0, 0, 0],
    ]);
  });

  it("records one sample for the current minute", async () => {
    const [row] = await db.select().from(sessionSamplesMinutely).where(eq(sessionSamplesMinutely.minute, at(5)));

    expect(row.activeSessions).toBe(7);
    expect(row.activeUsers).toBe(3);
  });

  it("records nothing twice when run again", async () => {
    const again = await recordHistory({ db, now: at(5, 40), sample: async () => ({ activeSessions: 99, activeUsers: 99 }) });

    expect(again.minutesRecorded).toBe(0);
    expect(again.sampled).toBe(false);
    const [row] = await db.select().from(sessionSamplesMinutely).where(eq(sessionSamplesMinutely.minute, at(5)));
    expect(row.activeSessions).toBe(7);
  });

  it("two concurrent runs sample once", async () => {
    const runs = await Promise.all([
      recordHistory({ db, now: at(6, 10), sample }),
      recordHistory({ db, now: at(6, 10), sample }),
    ]);

    // Whether the second waits out the first's lock or finds its sample, one of them samples.
    expect(runs.filter((run) => run.sampled)).toHaveLength(1);
    const samples = await db.select().from(sessionSamplesMinutely).where(eq(sessionSamplesMinutely.minute, at(6)));
    expect(samples).toHaveLength(1);
    const [minuteFive] = await db.select().from(sessionEventsMinutely).where(eq(sessionEventsMinutely.minute, at(5)));
    expect(minuteFive.signIns).toBe(0);
  });

  it("rolls minutes up into hours", async () => {
    const hour = new Date(Math.floor(at(2).getTime() / (60 * minute)) * 60 * minute);
    const [row] = await db.select().from(sessionHistoryHourly).where(eq(sessionHistoryHourly.hour, hour));
    const minutes = await db
      .select({ signIns: sql<number>`sum(${sessionEventsMinutely.signIns})::int` })
      .from(sessionEventsMinutely)
      .where(sql`${sessionEventsMinutely.minute} >= ${hour.toISOString()}::timestamptz and ${sessionEventsMinutely.minute} < ${new Date(hour.getTime() + 60 * minute).toISOString()}::timestamptz`);

    expect(row.signIns).toBe(minutes[0].signIns);
    expect(row.activeSessionsMax).toBe(7);
  });

  it("prunes minute rows after thirty days and keeps the hours", async () => {
    const old = new Date(base.getTime() - 31 * 86_400_000);
    await db.insert(sessionEventsMinutely).values({ minute: old, signIns: 5, signOuts: 0, revocations: 0, expirations: 0 });
    await db.insert(sessionHistoryHourly).values({ hour: old, signIns: 5, signOuts: 0, revocations: 0, expirations: 0 });

    await recordHistory({ db, now: at(7, 10), sample });

    expect(await db.select().from(sessionEventsMinutely).where(eq(sessionEventsMinutely.minute, old))).toHaveLength(0);
    expect(await db.select().from(sessionHistoryHourly).where(eq(sessionHistoryHourly.hour, old))).toHaveLength(1);
  });

  it("reads the last hour as one point a minute", async () => {
    const history = await readHistory(db, "1h", at(7, 30));

    expect(history.resolution).toBe("minute");
    expect(history.points).toHaveLength(60);
    expect(history.points.at(-1)?.t).toBe(at(7).toISOString());
    const minuteTwo = history.points.find((point) => point.t === at(2).toISOString());
    expect(minuteTwo).toMatchObject({ sign_ins: 1, sign_outs: 1, revocations: 1, expirations: 0 });
    const minuteFive = history.points.find((point) => point.t === at(5).toISOString());
    expect(minuteFive?.active_sessions).toBe(7);
  });
});
