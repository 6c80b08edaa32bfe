import { mkdirSync } from "node:fs";

import type Redis from "ioredis";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CHROMIUM_FLAGS, CHROMIUM_PATH, collectProblems } from "../support/browser";
import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { signIn, signOut } from "../support/http";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, uniquePrefix } from "../support/redis";

const SCREENSHOTS = "test-results/screenshots";

let database: TestDatabase;
let redis: Redis;
let prefix: string;
let server: ConsoleServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  database = await createTestDatabase();
  redis = await connectTestRedis();
  prefix = uniquePrefix();
  server = await startConsoleServer({ DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: prefix });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await deleteKeysWithPrefix(redis, prefix);
  redis?.disconnect();
  await database?.drop();
});

async function activeSessions(page: Page): Promise<number> {
  return Number((await page.getByTestId("active-sessions").innerText()).replace(/[^\d]/g, ""));
}

describe("dashboards in a browser", () => {
  it("admin sees live counts on both dashboards", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const problems = collectProblems(page);
    // Fake timers: the 30-second refresh is driven by the test instead of waited for.
    await page.clock.install();

    await page.goto(`${server.baseUrl}/admin/session-health`);
    await page.waitForURL(/\/login\?callbackUrl=/);
    await page.screenshot({ path: `${SCREENSHOTS}/login.png` });

    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${server.baseUrl}/admin/session-health`);

    await expect.poll(() => page.getByTestId("store-type").innerText()).toBe("Redis Sessions");
    await expect.poll(() => page.getByTestId("overall-status").innerText()).toBe("Healthy");
    expect(await activeSessions(page)).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: `${SCREENSHOTS}/session-health.png` });

    await page.getByRole("link", { name: "Monitoring" }).click();
    await page.waitForURL(`${server.baseUrl}/admin/session-monitoring`);
    await expect.poll(() => page.getByTestId("store-type").innerText()).toBe("Redis Sessions");
    const before = await activeSessions(page);
    expect(before).toBeGreaterThanOrEqual(1);

    expect(await signIn(server.baseUrl, ADMIN.email, ADMIN.password)).not.toBeNull();
    // The server counts at most once per second; let that second pass in real time.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await page.clock.runFor(31_000);
    await expect.poll(() => activeSessions(page), { timeout: 10_000 }).toBe(before + 1);
    await page.screenshot({ path: `${SCREENSHOTS}/session-monitoring.png` });

    expect(problems).toEqual([]);
    await context.close();
  });

  it("refresh errors show stale numbers, then sign-in", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    await page.clock.install();
    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    const token = jar!.get("next-auth.session-token")!;
    await context.addCookies([{ name: "next-auth.session-token", value: token, url: server.baseUrl }]);

    await page.goto(`${server.baseUrl}/admin/session-monitoring`);
    const shownCount = await activeSessions(page);
    expect(shownCount).toBeGreaterThanOrEqual(1);

    // The statistics route fails from now on: the numbers stay, marked stale.
    await page.route("**/admin/session-health/statistics", (route) =>
      route.fulfill({
        status: 500,
        contentType: "application/json",
        body: JSON.stringify({ success: false, error: { code: "internal", message: "Internal error." } }),
      }),
    );
    await page.clock.runFor(31_000);
    await expect.poll(() => page.getByTestId("stale-badge").isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await activeSessions(page)).toBe(shownCount);
    await page.screenshot({ path: `${SCREENSHOTS}/session-monitoring-stale.png` });

    // The session is signed out elsewhere: the next refresh gets a 401, which is not retried but
    // sends the admin to the sign-in page.
    await page.unroute("**/admin/session-health/statistics");
    await signOut(server.baseUrl, jar!);
    await page.clock.runFor(31_000);
    await page.waitForURL(/\/login\?callbackUrl=%2Fadmin%2Fsession-monitoring/, { timeout: 10_000 });
    await expect.poll(() => page.getByRole("button", { name: "Sign in" }).isVisible()).toBe(true);

    await context.close();
  });

  it("user role lands on the account page", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const problems = collectProblems(page);
    const email = "viewer@example.com";
    const { createUser } = await import("@/lib/users/create-user");
    await createUser(database.connection.db, { email, password: "viewer-password-1", role: "user" });

    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("viewer-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${server.baseUrl}/account`);
    await expect.poll(() => page.getByTestId("account-role").innerText()).toBe("user");

    await page.goto(`${server.baseUrl}/admin/session-monitoring`);
    await page.waitForURL(/\/account\?notice=admin-only/);
    await expect.poll(() => page.getByTestId("admin-only-notice").isVisible()).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/account-admin-only.png` });

    await page.getByTestId("sign-out").click();
    await page.waitForURL(/\/login\?signedOut=1/);
    await expect.poll(() => page.getByTestId("signed-out").isVisible()).toBe(true);
    await page.goto(`${server.baseUrl}/account`);
    await page.waitForURL(/\/login\?callbackUrl=%2Faccount/);

    expect(problems).toEqual([]);
    await context.close();
  });
});
