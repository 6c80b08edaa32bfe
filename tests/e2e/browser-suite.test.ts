import { mkdirSync } from "node:fs";

import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { findUserByEmail } from "@/lib/db/queries/users";
import { createUser } from "@/lib/users/create-user";

import { CHROMIUM_FLAGS, CHROMIUM_PATH, collectProblems, signInThroughForm, withoutFailedLoads } from "../support/browser";
import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { signIn } from "../support/http";
import { startRedisServer, type RedisServer } from "../support/redis";

const SCREENSHOTS = "test-results/screenshots";
const VIEWPORT = { width: 1366, height: 768 };
const USER = { email: "plain-user@example.com", password: "plain-user-password-1" };
const STATISTICS_ROUTE = "**/admin/session-health/statistics";

let database: TestDatabase;
let redisServer: RedisServer;
let server: ConsoleServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  database = await createTestDatabase();
  await createUser(database.connection.db, { ...USER, role: "user" });
  // A Redis for this file alone, because the fallback test stops it.
  redisServer = await startRedisServer();
  server = await startConsoleServer({ DATABASE_URL: database.url, REDIS_URL: redisServer.url, REDIS_RETRY_INTERVAL_MS: "250" });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await redisServer?.stop();
  await database?.drop();
});

async function activeSessions(page: Page): Promise<number> {
  return Number((await page.getByTestId("active-sessions").innerText()).replace(/[^\d]/g, ""));
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** Opens a page with the fake clock installed, so the 30-second refresh is driven instead of waited for. */
async function openAdminDashboard(path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.clock.install();
  await page.goto(`${server.baseUrl}/login?callbackUrl=${encodeURIComponent(path)}`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${server.baseUrl}${path}`);
  return page;
}

/** Lets the server's one-second statistics cache expire, then runs the page's clock past one refresh. */
async function refreshDashboard(page: Page): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await page.clock.runFor(31_000);
}

describe("browser suite", () => {
  it("admin visits every page", { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.clock.install();

    await page.goto(`${server.baseUrl}/login`);
    await screenshot(page, "page-login");
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByTestId("login-error").innerText()).toBe("Wrong email or password.");
    expect(new URL(page.url()).pathname).toBe("/login");
    await screenshot(page, "page-login-error");
    // next-auth returns HTTP 401 for a wrong password, which Chrome logs as a failed load.
    expect(problems.splice(0)).toEqual([expect.stringMatching(/^error: Failed to load resource: .* 401/)]);

    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${server.baseUrl}/admin/session-health`);
    await expect.poll(() => page.getByTestId("overall-status").innerText()).toBe("Healthy");
    await expect.poll(() => page.getByTestId("store-type").innerText()).toBe("Redis Sessions");
    await expect.poll(() => page.getByTestId("latency-table").isVisible(), { timeout: 10_000 }).toBe(true);
    const before = await activeSessions(page);
    expect(await signIn(server.baseUrl, ADMIN.email, ADMIN.password)).not.toBeNull();
    await refreshDashboard(page);
    await expect.poll(() => activeSessions(page), { timeout: 10_000 }).toBe(before + 1);
    await screenshot(page, "page-session-health");

    await page.getByRole("link", { name: "Monitoring" }).click();
    await page.waitForURL(`${server.baseUrl}/admin/session-monitoring`);
    await expect.poll(() => activeSessions(page)).toBe(before + 1);
    await expect.poll(() => page.getByTestId("by-platform").isVisible(), { timeout: 10_000 }).toBe(true);
    await screenshot(page, "page-session-monitoring");

    await page.getByRole("link", { name: "Sessions", exact: true }).click();
    await page.waitForURL(`${server.baseUrl}/admin/sessions`);
    const ownRow = page.getByTestId("session-row").filter({ has: page.getByTestId("current-session") });
    await expect.poll(() => ownRow.count()).toBe(1);
    await screenshot(page, "page-sessions");

    await ownRow.getByRole("link", { name: ADMIN.email }).click();
    await page.waitForURL(/\/admin\/users\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe(ADMIN.email);
    expect(await page.getByLabel("Role").inputValue()).toBe("admin");
    expect(await page.getByRole("button", { name: "Change role" }).isDisabled()).toBe(true);
    await screenshot(page, "page-user");

    await page.getByRole("link", { name: "Audit" }).click();
    await page.waitForURL(`${server.baseUrl}/admin/audit`);
    await expect.poll(() => page.getByTestId("audit-row").first().getAttribute("data-action")).toBe("admin.sign_in");
    await screenshot(page, "page-audit");

    await page.getByRole("link", { name: "Account", exact: true }).click();
    await page.waitForURL(`${server.baseUrl}/account`);
    await expect.poll(() => page.getByTestId("account-role").innerText()).toBe("admin");
    expect(await page.getByRole("heading", { name: "Change password" }).isVisible()).toBe(true);
    await screenshot(page, "page-account");

    await page.getByRole("link", { name: "My sessions" }).click();
    await page.waitForURL(`${server.baseUrl}/account/sessions`);
    await expect.poll(() => page.getByTestId("current-session").innerText()).toBe("This device");
    await screenshot(page, "page-account-sessions");

    await page.getByTestId("sign-out").click();
    await page.waitForURL(/\/login\?signedOut=1/);
    await expect.poll(() => page.getByTestId("signed-out").isVisible()).toBe(true);
    await page.goto(`${server.baseUrl}/admin/session-health`);
    await page.waitForURL(/\/login\?callbackUrl=%2Fadmin%2Fsession-health/);

    expect(problems).toEqual([]);
    await context.close();
  });

  it("user is shut out of admin pages", async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await signInThroughForm(page, server.baseUrl, USER, "/account");
    const admin = await findUserByEmail(database.connection.db, ADMIN.email);

    const adminPages = ["/admin/session-health", "/admin/session-monitoring", "/admin/sessions", `/admin/users/${admin!.id}`, "/admin/audit"];
    for (const path of adminPages) {
      const response = await page.goto(`${server.baseUrl}${path}`);
      expect(response?.request().redirectedFrom()?.url(), path).toBe(`${server.baseUrl}${path}`);
      expect(page.url(), path).toBe(`${server.baseUrl}/account?notice=admin-only`);
      await expect.poll(() => page.getByTestId("admin-only-notice").isVisible()).toBe(true);
      const text = await page.locator("body").innerText();
      expect(text, path).not.toContain(ADMIN.email);
      expect(await page.getByTestId("active-sessions").count(), path).toBe(0);
      expect(await page.getByTestId("session-row").count(), path).toBe(0);
      expect(await page.getByTestId("audit-row").count(), path).toBe(0);
    }
    expect(await page.getByRole("link", { name: "Health" }).count()).toBe(0);

    expect(problems).toEqual([]);
    await context.close();
  });

  it("failed statistics route shows stale numbers", async () => {
    const page = await openAdminDashboard("/admin/session-health");
    const problems = collectProblems(page);
    await expect.poll(() => page.getByTestId("overall-status").innerText()).toBe("Healthy");
    const shownCount = await activeSessions(page);
    expect(shownCount).toBeGreaterThanOrEqual(1);

    // The browser cannot reach the route at all.
    await page.route(STATISTICS_ROUTE, (route) => route.abort("connectionrefused"));
    await refreshDashboard(page);
    const stale = page.getByTestId("stale-badge");
    await expect.poll(() => stale.innerText(), { timeout: 10_000 }).toBe("Stale: refresh failed (The console server did not respond. Check your connection.)");
    expect(await activeSessions(page)).toBe(shownCount);
    expect(await page.getByTestId("overall-status").innerText()).toBe("Healthy");
    await screenshot(page, "page-session-health-stale");

    // The route returns 500: the badge shows the route's message instead.
    await page.unroute(STATISTICS_ROUTE);
    await page.route(STATISTICS_ROUTE, (route) =>
      route.fulfill({
        status: 500,
        contentType: "application/json",
        body: JSON.stringify({ success: false, error: { code: "internal", message: "Internal error. The server log has the details." } }),
      }),
    );
    await refreshDashboard(page);
    await expect.poll(() => stale.innerText(), { timeout: 10_000 }).toBe("Stale: refresh failed (Internal error. The server log has the details.)");
    expect(await activeSessions(page)).toBe(shownCount);

    // The route works again: the next refresh clears the badge.
    await page.unroute(STATISTICS_ROUTE);
    await refreshDashboard(page);
    await expect.poll(() => stale.count(), { timeout: 10_000 }).toBe(0);
    expect(await activeSessions(page)).toBeGreaterThanOrEqual(shownCount);

    expect(withoutFailedLoads(problems)).toEqual([]);
    await page.context().close();
  });

  // Stops this file's Redis, so it runs last.
  it("stopped Redis shows the fallback banner", async () => {
    const monitoring = await openAdminDashboard("/admin/session-monitoring");
    const health = await monitoring.context().newPage();
    await health.clock.install();
    await health.goto(`${server.baseUrl}/admin/session-health`);
    const problems = [...collectProblems(monitoring), ...collectProblems(health)];
    await expect.poll(() => health.getByTestId("overall-status").innerText()).toBe("Healthy");
    expect(await monitoring.getByTestId("fallback-banner").count()).toBe(0);
    // The first numbers may come from the server's cache of the second before this sign-in.
    const firstCountedAt = await monitoring.getByTestId("generated-at").innerText();
    await refreshDashboard(monitoring);
    await expect.poll(() => monitoring.getByTestId("generated-at").innerText(), { timeout: 10_000 }).not.toBe(firstCountedAt);
    const shownCount = await activeSessions(monitoring);

    await redisServer.stop();
    await refreshDashboard(monitoring);
    await health.clock.runFor(31_000);

    await expect.poll(() => monitoring.getByTestId("fallback-banner").isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await monitoring.getByTestId("store-type").locator("..").innerText()).toContain("Numbers from PostgreSQL");
    expect(await activeSessions(monitoring)).toBe(shownCount);
    await screenshot(monitoring, "page-session-monitoring-fallback");

    await expect.poll(() => health.getByTestId("fallback-banner").isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await health.getByTestId("overall-status").innerText()).toBe("Degraded");
    expect(await health.getByTestId("check-redis").locator("[data-status]").getAttribute("data-status")).toBe("down");
    await screenshot(health, "page-session-health-fallback");

    expect(problems).toEqual([]);
    await monitoring.context().close();
  });
});
