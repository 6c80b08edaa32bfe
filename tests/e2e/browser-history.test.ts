import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";

import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { findUserByEmail } from "@/lib/db/queries/users";
import { sessionSamplesMinutely } from "@/lib/db/schema";
import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { generateSessionToken, hashSessionToken } from "@/lib/sessions/token";

import { CHROMIUM_FLAGS, CHROMIUM_PATH, collectProblems } from "../support/browser";
import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";

const SCREENSHOTS = "test-results/screenshots";
const CRON_SECRET = "cron-secret-for-browser-tests-01";

let database: TestDatabase;
let server: ConsoleServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  database = await createTestDatabase();
  // Database mode: the history comes from PostgreSQL either way.
  server = await startConsoleServer({ DATABASE_URL: database.url, CRON_SECRET, HISTORY_TIMER: "off" });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });

  // Forty sessions signed in over the last twenty minutes, a quarter of them signed out again,
  // then one history run, as the cron would make it.
  const admin = await findUserByEmail(database.connection.db, ADMIN.email);
  const store = new DatabaseSessionStore(async () => database.connection.db);
  const now = Date.now();
  for (let index = 0; index < 40; index += 1) {
    const createdAt = new Date(now - (2 + (index % 20)) * 60_000);
    const session = {
      id: randomUUID(),
      tokenHash: hashSessionToken(generateSessionToken()),
      userId: admin!.id,
      role: "admin" as const,
      ip: `203.0.113.${index + 1}`,
      userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
      maxAgeSeconds: 3600,
      idleTimeoutSeconds: 1800,
    };
    await store.create(session, { createdAt, lastSeenAt: createdAt, absoluteExpiresAt: new Date(now + 3_600_000), expiresAt: new Date(now + 1_200_000) });
    if (index % 4 === 0) await store.revoke(session, "sign_out");
  }
  const run = await fetch(`${server.baseUrl}/api/cron/history`, { headers: { authorization: `Bearer ${CRON_SECRET}` } });
  expect(run.status).toBe(200);
  // A run samples only the current minute; earlier samples stand in for the timer's past runs.
  const minute = Math.floor(now / 60_000) * 60_000;
  await database.connection.db
    .insert(sessionSamplesMinutely)
    .values([1, 2, 3, 4, 5].map((back) => ({ minute: new Date(minute - back * 60_000), activeSessions: 20 + back, activeUsers: 1, sampledAt: new Date() })))
    .onConflictDoNothing();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await database?.drop();
});

describe("history charts in a browser", () => {
  it("render seeded data on the monitoring page", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const problems = collectProblems(page);

    await page.goto(`${server.baseUrl}/login?callbackUrl=%2Fadmin%2Fsession-monitoring`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${server.baseUrl}/admin/session-monitoring`);

    const bars = page.getByTestId("chart-sign-ins").locator(".recharts-bar-rectangle");
    await expect.poll(() => bars.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // Sixty minutes of bars in a third of the page: each must still be wide enough to see.
    const barWidths = await bars.evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().width));
    expect(Math.min(...barWidths)).toBeGreaterThanOrEqual(1);
    const activeLine = page.getByTestId("chart-active").locator("path.recharts-curve");
    await expect.poll(() => activeLine.count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId("by-platform").innerText()).toContain("Linux");

    await page.getByRole("tab", { name: "24 hours" }).click();
    await expect.poll(() => bars.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.getByTestId("history").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOTS}/session-monitoring-history.png`, fullPage: true });

    await page.goto(`${server.baseUrl}/admin/session-health`);
    await expect.poll(() => page.getByTestId("latency-table").isVisible(), { timeout: 15_000 }).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/session-health-details.png`, fullPage: true });

    expect(problems).toEqual([]);
    await context.close();
  });
});
