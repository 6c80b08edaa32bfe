import { mkdirSync } from "node:fs";

import type Redis from "ioredis";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { findUserByEmail } from "@/lib/db/queries/users";
import { createUser } from "@/lib/users/create-user";

import { CHROMIUM_FLAGS, CHROMIUM_PATH, collectProblems, signInThroughForm } from "../support/browser";
import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, uniquePrefix } from "../support/redis";

const SCREENSHOTS = "test-results/screenshots";
const VIEWPORT = { width: 1366, height: 768 };
const CHANGER = { email: "changer@example.com", password: "old-password-1" };
const NEW_PASSWORD = "new-password-2";
const MEMBER = { email: "member@example.com", password: "member-password-1" };

let database: TestDatabase;
let redis: Redis;
let prefix: string;
let server: ConsoleServer;
let browser: Browser;
let memberId: string;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  database = await createTestDatabase();
  await createUser(database.connection.db, { ...CHANGER, role: "user" });
  // A user, not an admin: the console creates ADMIN only while the database has no admin.
  memberId = (await createUser(database.connection.db, { ...MEMBER, role: "user" })).id;
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

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  return context.newPage();
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

async function fillPasswordForm(page: Page, current: string, next: string, confirmation: string): Promise<void> {
  await page.getByLabel("Current password", { exact: true }).fill(current);
  await page.getByLabel("New password", { exact: true }).fill(next);
  await page.getByLabel("Confirm new password", { exact: true }).fill(confirmation);
  await page.getByRole("button", { name: "Change password" }).click();
}

describe("account forms in a browser", () => {
  it("password change signs out others", { timeout: 60_000 }, async () => {
    const page = await newPage();
    const problems = collectProblems(page);
    await signInThroughForm(page, server.baseUrl, CHANGER, "/account");
    const other = await newPage();
    await signInThroughForm(other, server.baseUrl, CHANGER, "/account");
    let passwordRequests = 0;
    page.on("request", (request) => {
      if (request.url().endsWith("/api/account/password")) passwordRequests += 1;
    });

    await fillPasswordForm(page, "not-the-password", NEW_PASSWORD, NEW_PASSWORD);
    await expect.poll(() => page.getByTestId("current_password-error").innerText()).toBe("Current password is wrong.");
    expect(await page.getByLabel("Current password", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "account-password-error");
    // A wrong current password returns 422, which Chrome logs as a failed load.
    expect(problems.splice(0)).toEqual([expect.stringMatching(/^error: Failed to load resource: .* 422/)]);

    await fillPasswordForm(page, CHANGER.password, NEW_PASSWORD, "another-password-3");
    await expect.poll(() => page.getByTestId("confirm_password-error").innerText()).toBe("The new passwords do not match.");
    expect(await page.getByTestId("current_password-error").count()).toBe(0);
    expect(passwordRequests).toBe(1);

    await fillPasswordForm(page, CHANGER.password, "short", "short");
    await expect.poll(() => page.getByTestId("new_password-error").innerText()).toBe("New password must be at least 8 characters.");
    expect(problems.splice(0)).toEqual([expect.stringMatching(/^error: Failed to load resource: .* 422/)]);

    await fillPasswordForm(page, CHANGER.password, NEW_PASSWORD, NEW_PASSWORD);
    await expect.poll(() => page.getByTestId("password-changed").innerText()).toBe("Password changed. Signed out 1 other session.");
    expect(await page.getByLabel("Current password", { exact: true }).inputValue()).toBe("");
    expect(await page.getByTestId("new_password-error").count()).toBe(0);
    await screenshot(page, "account-password-changed");

    // The other browser is signed out on its next request; this one stays signed in.
    await other.goto(`${server.baseUrl}/account`);
    await other.waitForURL(/\/login\?callbackUrl=%2Faccount/);
    await page.reload();
    await expect.poll(() => page.getByTestId("account-email").innerText()).toBe(CHANGER.email);

    await other.getByLabel("Email").fill(CHANGER.email);
    await other.getByLabel("Password").fill(CHANGER.password);
    await other.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => other.getByTestId("login-error").innerText()).toBe("Wrong email or password.");
    await other.getByLabel("Password").fill(NEW_PASSWORD);
    await other.getByRole("button", { name: "Sign in" }).click();
    await other.waitForURL(`${server.baseUrl}/account`);

    expect(problems).toEqual([]);
    await page.context().close();
    await other.context().close();
  });

  it("role change shuts out of admin pages", { timeout: 60_000 }, async () => {
    const page = await newPage();
    const problems = collectProblems(page);
    await signInThroughForm(page, server.baseUrl, ADMIN, "/admin/session-health");
    await page.goto(`${server.baseUrl}/admin/users/${memberId}`);
    const role = page.getByLabel("Role");
    const dialog = page.locator("dialog[open]");
    expect(await role.inputValue()).toBe("user");
    await role.selectOption("admin");
    await page.getByRole("button", { name: "Change role" }).click();
    await expect.poll(() => dialog.getByRole("heading").innerText()).toBe(`Make ${MEMBER.email} an admin?`);
    await dialog.getByTestId("confirm").click();
    await expect.poll(() => page.getByTestId("role-changed").innerText()).toBe("Role changed to admin. Signed out 0 sessions.");

    const memberPage = await newPage();
    // Fake timers: the member's dashboard refresh is driven instead of waited for.
    await memberPage.clock.install();
    await signInThroughForm(memberPage, server.baseUrl, MEMBER, "/admin/session-health");
    await memberPage.goto(`${server.baseUrl}/admin/session-monitoring`);
    await expect.poll(() => memberPage.getByTestId("active-sessions").isVisible()).toBe(true);

    await page.reload();
    expect(await role.inputValue()).toBe("admin");
    await role.selectOption("user");
    await page.getByRole("button", { name: "Change role" }).click();
    await expect.poll(() => dialog.getByRole("heading").innerText()).toBe(`Make ${MEMBER.email} a user?`);
    await screenshot(page, "user-role-confirm");
    await dialog.getByTestId("confirm").click();
    await expect.poll(() => page.getByTestId("role-changed").innerText()).toBe("Role changed to user. Signed out 1 session.");
    await expect.poll(() => page.getByText("No name · user · account created").isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Change role" }).isDisabled()).toBe(true);
    await screenshot(page, "user-role-changed");

    // The member's open dashboard is sent to sign in on its next refresh.
    await memberPage.clock.runFor(31_000);
    await memberPage.waitForURL(/\/login\?callbackUrl=%2Fadmin%2Fsession-monitoring/, { timeout: 10_000 });
    await memberPage.getByLabel("Email").fill(MEMBER.email);
    await memberPage.getByLabel("Password").fill(MEMBER.password);
    await memberPage.getByRole("button", { name: "Sign in" }).click();
    await memberPage.waitForURL(`${server.baseUrl}/account?notice=admin-only`);
    await memberPage.goto(`${server.baseUrl}/admin/sessions`);
    await memberPage.waitForURL(`${server.baseUrl}/account?notice=admin-only`);
    expect(await memberPage.getByTestId("account-role").innerText()).toBe("user");

    // Now the only admin: demoting oneself is rejected with the API's reason.
    const admin = await findUserByEmail(database.connection.db, ADMIN.email);
    await page.goto(`${server.baseUrl}/admin/users/${admin!.id}`);
    await role.selectOption("user");
    await page.getByRole("button", { name: "Change role" }).click();
    await expect.poll(() => dialog.innerText()).toContain("That includes your own session");
    await dialog.getByTestId("confirm").click();
    await expect.poll(() => page.getByTestId("role-error").innerText()).toBe("This is the only admin; make another user an admin first.");
    await screenshot(page, "user-role-only-admin");
    expect(problems.splice(0)).toEqual([expect.stringMatching(/^error: Failed to load resource: .* 409/)]);
    await page.reload();
    expect(await role.inputValue()).toBe("admin");

    await page.goto(`${server.baseUrl}/admin/audit`);
    await expect.poll(() => page.getByTestId("audit-row").first().getAttribute("data-action")).toBe("user.role_change");

    expect(problems).toEqual([]);
    await page.context().close();
    await memberPage.context().close();
  });
});
