import { mkdirSync } from "node:fs";

import type Redis from "ioredis";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createUser } from "@/lib/users/create-user";

import { CHROMIUM_FLAGS, CHROMIUM_PATH, collectProblems } from "../support/browser";
import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, uniquePrefix } from "../support/redis";

const SCREENSHOTS = "test-results/screenshots";
const TARGET = { email: "target@example.com", password: "target-password-1" };

let database: TestDatabase;
let redis: Redis;
let prefix: string;
let server: ConsoleServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  database = await createTestDatabase();
  await createUser(database.connection.db, { ...TARGET, role: "user", name: "Target User" });
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

async function signInThroughForm(context: BrowserContext, email: string, password: string, landing: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.baseUrl}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${server.baseUrl}${landing}`);
  return page;
}

describe("session list in a browser", () => {
  it("admin signs another browser out", async () => {
    const viewport = { width: 1366, height: 768 };
    const targetContext = await browser.newContext({ viewport, userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" });
    const targetPage = await signInThroughForm(targetContext, TARGET.email, TARGET.password, "/account");

    const adminContext = await browser.newContext({ viewport });
    const adminPage = await signInThroughForm(adminContext, ADMIN.email, ADMIN.password, "/admin/session-health");
    const problems = collectProblems(adminPage);

    await adminPage.getByRole("link", { name: "Sessions", exact: true }).click();
    await adminPage.waitForURL(`${server.baseUrl}/admin/sessions`);
    await expect.poll(() => adminPage.getByTestId("current-session").innerText()).toBe("This is you");
    await adminPage.screenshot({ path: `${SCREENSHOTS}/sessions.png`, fullPage: true });

    await adminPage.getByLabel("User email").fill("target@");
    await adminPage.getByRole("button", { name: "Apply filters" }).click();
    await adminPage.waitForURL(/\/admin\/sessions\?email=target%40/);
    const row = adminPage.getByTestId("session-row");
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toContain("Firefox 133 on Linux");

    await row.getByRole("button", { name: "Sign out" }).click();
    const dialog = adminPage.locator("dialog[open]");
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await adminPage.screenshot({ path: `${SCREENSHOTS}/sessions-confirm.png` });
    await dialog.getByTestId("confirm").click();
    await expect.poll(() => row.locator("[data-status]").getAttribute("data-status")).toBe("revoked");

    // The signed-out browser lands on the sign-in page on its very next navigation.
    await targetPage.goto(`${server.baseUrl}/account`);
    await targetPage.waitForURL(/\/login\?callbackUrl=%2Faccount/);

    await adminPage.getByRole("link", { name: "Audit" }).click();
    await adminPage.waitForURL(`${server.baseUrl}/admin/audit`);
    await expect.poll(() => adminPage.getByTestId("audit-row").first().getAttribute("data-action")).toBe("session.sign_out");
    await adminPage.screenshot({ path: `${SCREENSHOTS}/audit.png`, fullPage: true });

    expect(problems).toEqual([]);
    await targetContext.close();
    await adminContext.close();
  });

  it("bulk sign-out shows a dry run first", async () => {
    const viewport = { width: 1366, height: 768 };
    const targetContext = await browser.newContext({ viewport });
    const targetPage = await signInThroughForm(targetContext, TARGET.email, TARGET.password, "/account");
    const adminContext = await browser.newContext({ viewport });
    const adminPage = await signInThroughForm(adminContext, ADMIN.email, ADMIN.password, "/admin/session-health");

    await adminPage.goto(`${server.baseUrl}/admin/sessions`);
    await adminPage.getByRole("button", { name: "Sign out everyone except me" }).click();
    const dialog = adminPage.locator("dialog[open]");
    await expect.poll(() => dialog.getByTestId("dry-run-count").innerText()).toMatch(/This signs out 2 live sessions of 2 users/);
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // The first test's admin session is still live, so two sessions of two users would end.
    // Cancelled: nothing changed.
    await targetPage.goto(`${server.baseUrl}/account/sessions`);
    await expect.poll(() => targetPage.getByTestId("current-session").innerText()).toBe("This device");
    await targetPage.screenshot({ path: `${SCREENSHOTS}/account-sessions.png`, fullPage: true });

    await adminPage.getByRole("button", { name: "Sign out everyone except me" }).click();
    await dialog.getByTestId("confirm").click();
    await expect.poll(() => adminPage.getByTestId("bulk-result").innerText()).toBe("Signed out 2 sessions of 2 users.");

    await targetPage.goto(`${server.baseUrl}/account/sessions`);
    await targetPage.waitForURL(/\/login\?callbackUrl=/);
    await adminPage.goto(`${server.baseUrl}/admin/session-health`);
    await adminPage.waitForURL(`${server.baseUrl}/admin/session-health`);

    await targetContext.close();
    await adminContext.close();
  });
});
