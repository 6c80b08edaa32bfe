import { mkdirSync } from "node:fs";

import { sql } from "drizzle-orm";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { failedSignInsMinutely } from "@/lib/db/schema";
import { createUser } from "@/lib/users/create-user";

import { CHROMIUM_FLAGS, CHROMIUM_PATH, collectProblems } from "../support/browser";
import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { getJson, signIn, type CookieJar } from "../support/http";
import { sendJson, type JsonRequest } from "../support/requests";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

const SCREENSHOTS = "test-results/screenshots";
const USER = { email: "user@example.com", password: "user-password-1" };
const CRON_SECRET = "cron-secret-for-alert-tests-0123";
// The secret part of the webhook URL; the console must never show or return it.
const SECRET_PATH = "/services/T000/B000/secret-token-0123456789";
const ALERTS = "/api/admin/alerts";
const TEST_ALERT = "/api/admin/alerts/test";

let database: TestDatabase;
let receiver: WebhookReceiver;
let server: ConsoleServer;
let admin: CookieJar;

const rulePath = (id: string) => `${ALERTS}/rules/${id}`;
const patch = (id: string, json: unknown, jar: CookieJar | undefined = admin) => sendJson(`${server.baseUrl}${rulePath(id)}`, { method: "PATCH", jar, json });
const runCron = () => fetch(`${server.baseUrl}/api/cron/history`, { headers: { authorization: `Bearer ${CRON_SECRET}` } });

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  database = await createTestDatabase();
  await createUser(database.connection.db, { ...USER, role: "user" });
  receiver = await startWebhookReceiver();
  server = await startConsoleServer({
    DATABASE_URL: database.url,
    SESSION_BACKEND: "database",
    CRON_SECRET,
    HISTORY_TIMER: "off",
    ALERT_WEBHOOK_URL: `${receiver.baseUrl}${SECRET_PATH}`,
    ALERT_WEBHOOK_TIMEOUT_MS: "1000",
  });
  admin = (await signIn(server.baseUrl, ADMIN.email, ADMIN.password))!;
});

afterAll(async () => {
  await server?.stop();
  await receiver?.stop();
  await database?.drop();
});

describe("alerts routes", () => {
  it("GET lists every rule", async () => {
    const response = await getJson(`${server.baseUrl}${ALERTS}`, admin);

    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const data = response.body.data;
    expect(data.rules).toHaveLength(13);
    expect(data.rules.every((rule: { state: string }) => rule.state === "inactive")).toBe(true);
    expect(data.rules.find((rule: { id: string }) => rule.id === "failed_sign_ins")).toMatchObject({ threshold: 20, duration_seconds: 0, enabled: true });
    expect(data.webhook).toEqual({ configured: true, destination: `${receiver.baseUrl}/…`, format: "generic", source: "environment" });
    expect(data.firing).toEqual([]);
    expect(JSON.stringify(response.body)).not.toContain("secret-token");
  });

  it("reject a user and a visitor", async () => {
    const user = (await signIn(server.baseUrl, USER.email, USER.password))!;
    const requests: Array<[string, Omit<JsonRequest, "jar">]> = [
      [ALERTS, { method: "GET" }],
      [rulePath("failed_sign_ins"), { method: "PATCH", json: { threshold: 1 } }],
      [TEST_ALERT, { method: "POST", json: {} }],
    ];

    for (const [path, request] of requests) {
      expect((await sendJson(`${server.baseUrl}${path}`, { ...request, jar: user })).status, `${request.method} ${path} as a user`).toBe(403);
      expect((await sendJson(`${server.baseUrl}${path}`, request)).status, `${request.method} ${path} without a session`).toBe(401);
    }
    expect(receiver.received).toHaveLength(0);
  });

  it("PATCH changes a rule and audits it", async () => {
    const response = await patch("failed_sign_ins", { threshold: 5, cooldown_seconds: 600 });

    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ id: "failed_sign_ins", threshold: 5, cooldown_seconds: 600, duration_seconds: 0, updated_by: ADMIN.email });
    const audit = await getJson(`${server.baseUrl}/api/admin/audit?action=alert.rule_change`, admin);
    expect(audit.body.data.events).toHaveLength(1);
    expect(audit.body.data.events[0].target).toMatchObject({ rule_id: "failed_sign_ins", from: { threshold: 20, cooldown_seconds: 900 }, to: { threshold: 5, cooldown_seconds: 600 } });
  });

  it.each<[string, string, unknown, number, string | undefined]>([
    ["unknown field", "failed_sign_ins", { limit: 3 }, 422, "limit"],
    ["empty body", "failed_sign_ins", {}, 422, undefined],
    ["threshold as text", "failed_sign_ins", { threshold: "5" }, 422, "threshold"],
    ["threshold out of range", "redis_memory_high", { threshold: 150 }, 422, "threshold"],
    ["threshold on a yes-or-no rule", "redis_fallback", { threshold: 1 }, 422, "threshold"],
    ["window on a rule without one", "failed_sign_ins", { window_seconds: 600 }, 422, "window_seconds"],
    ["negative duration", "redis_unreachable", { duration_seconds: -1 }, 422, "duration_seconds"],
    ["fractional cooldown", "redis_unreachable", { cooldown_seconds: 1.5 }, 422, "cooldown_seconds"],
    ["unknown rule", "no_such_rule", { enabled: false }, 404, "id"],
  ])("PATCH rejects %s", async (_name, id, body, status, field) => {
    const response = await patch(id, body);

    expect(response.status).toBe(status);
    expect(response.body.success).toBe(false);
    expect(response.body.error.field).toBe(field);
  });

  it("PATCH rejects a cross-site request", async () => {
    const response = await sendJson(`${server.baseUrl}${rulePath("failed_sign_ins")}`, {
      method: "PATCH",
      jar: admin,
      headers: { "sec-fetch-site": "cross-site" },
      json: { enabled: false },
    });

    expect(response.status).toBe(403);
    const rules = (await getJson(`${server.baseUrl}${ALERTS}`, admin)).body.data.rules;
    expect(rules.find((rule: { id: string }) => rule.id === "failed_sign_ins").enabled).toBe(true);
  });
});

describe("test alert", () => {
  it("is delivered to the webhook", async () => {
    const response = await sendJson(`${server.baseUrl}${TEST_ALERT}`, { method: "POST", jar: admin, json: {} });

    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ kind: "test", status: "delivered", destination: `${receiver.baseUrl}/…` });
    expect(response.body.data.attempts).toHaveLength(1);
    const request = receiver.received.at(-1)!;
    expect(request.path).toBe(SECRET_PATH);
    expect(request.body).toMatchObject({ source: "session-console", kind: "test", rule: null });
    expect(request.body.summary).toContain(ADMIN.email);
  });

  it("failure shows in the deliveries", async () => {
    receiver.reply(() => 500);
    const before = receiver.received.length;

    const response = await sendJson(`${server.baseUrl}${TEST_ALERT}`, { method: "POST", jar: admin, json: {} });
    receiver.reply(() => 200);

    expect(response.status).toBe(200);
    expect(response.body.data.status).toBe("failed");
    expect(response.body.data.last_error).toBe("HTTP 500");
    expect(receiver.received.length - before).toBe(3);
    const overview = await getJson(`${server.baseUrl}${ALERTS}`, admin);
    expect(overview.body.data.deliveries[0]).toMatchObject({ id: response.body.data.id, status: "failed" });
    expect(overview.body.data.deliveries[0].attempts.map((attempt: { status_code: number }) => attempt.status_code)).toEqual([500, 500, 500]);
  });
});

describe("webhook setting", () => {
  const WEBHOOK = "/api/admin/alerts/webhook";
  const put = (json: unknown, jar: CookieJar = admin) => sendJson(`${server.baseUrl}${WEBHOOK}`, { method: "PUT", jar, json });

  it("replaces the environment webhook", async () => {
    const response = await put({ url: `${receiver.baseUrl}/console-hook/secret-console-0123`, format: "slack" });

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ configured: true, destination: `${receiver.baseUrl}/…`, format: "slack", source: "console" });
    expect(JSON.stringify(response.body)).not.toContain("secret-console");

    const test = await sendJson(`${server.baseUrl}${TEST_ALERT}`, { method: "POST", jar: admin, json: {} });
    expect(test.body.data).toMatchObject({ status: "delivered", format: "slack" });
    const request = receiver.received.at(-1)!;
    expect(request.path).toBe("/console-hook/secret-console-0123");
    expect(request.body.text).toContain("[TEST] Test alert");

    const audit = await getJson(`${server.baseUrl}/api/admin/audit?action=alert.webhook_change`, admin);
    expect(audit.body.data.events[0].target).toEqual({ destination: `${receiver.baseUrl}/…`, format: "slack" });
    expect(JSON.stringify(audit.body)).not.toContain("secret-console");
  });

  it("null falls back to the environment", async () => {
    const response = await put({ url: null });

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ configured: true, destination: `${receiver.baseUrl}/…`, format: "generic", source: "environment" });
    const test = await sendJson(`${server.baseUrl}${TEST_ALERT}`, { method: "POST", jar: admin, json: {} });
    expect(test.body.data.status).toBe("delivered");
    expect(receiver.received.at(-1)!.path).toBe(SECRET_PATH);
  });

  it.each<[string, unknown, string]>([
    ["an ftp URL", { url: "ftp://files.example.com/hook" }, "url"],
    ["text that is no URL", { url: "not a url" }, "url"],
    ["a missing url", { format: "slack" }, "url"],
    ["an unknown format", { url: "https://hooks.example.com/x", format: "teams" }, "format"],
    ["an unknown field", { url: null, secret: "x" }, "secret"],
  ])("PUT rejects %s", async (_name, body, field) => {
    const response = await put(body);

    expect(response.status).toBe(422);
    expect(response.body.error.field).toBe(field);
  });

  it("PUT rejects a user", async () => {
    const user = (await signIn(server.baseUrl, USER.email, USER.password))!;

    const response = await put({ url: "https://hooks.example.com/x" }, user);

    expect(response.status).toBe(403);
    expect((await getJson(`${server.baseUrl}${ALERTS}`, admin)).body.data.webhook.source).toBe("environment");
  });
});

describe("scheduled evaluation", () => {
  it("counts a failed sign-in", async () => {
    expect(await signIn(server.baseUrl, USER.email, "wrong-password")).toBeNull();

    const [row] = await database.connection.db.select({ failures: sql<number>`coalesce(sum(${failedSignInsMinutely.failures}), 0)::int` }).from(failedSignInsMinutely);
    expect(row.failures).toBe(1);
  });

  it("cron fires an alert once", async () => {
    // The admin has two sessions after a second sign-in; a threshold of 1 makes the rule fire.
    await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    expect((await patch("user_session_count", { threshold: 1 })).status).toBe(200);
    const firingMessages = () => receiver.received.filter((request) => request.body.rule?.id === "user_session_count");

    const first = await runCron();
    const body = await first.json();

    expect(first.status).toBe(200);
    expect(body.data.alerts.ran).toBe(true);
    expect(body.data.alerts.deliveries).toContainEqual(expect.objectContaining({ kind: "firing", rule_id: "user_session_count", status: "delivered" }));
    expect(firingMessages()).toHaveLength(1);
    expect(firingMessages()[0].body.summary).toContain(ADMIN.email);

    const overview = (await getJson(`${server.baseUrl}${ALERTS}`, admin)).body.data;
    expect(overview.firing.map((alert: { id: string }) => alert.id)).toContain("user_session_count");
    expect(overview.history).toContainEqual(expect.objectContaining({ rule_id: "user_session_count", from_state: "inactive", to_state: "firing", notified: true }));

    // Still firing at the next evaluation, in this minute or the next: no second message.
    await runCron();
    expect(firingMessages()).toHaveLength(1);
  });
});

describe("alerts in a browser", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("show state, webhook and banners", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const problems = collectProblems(page);

    await page.goto(`${server.baseUrl}/login?callbackUrl=%2Fadmin%2Falerts`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${server.baseUrl}/admin/alerts`);

    await expect.poll(() => page.getByTestId("rule-state-user_session_count").getAttribute("data-state")).toBe("firing");
    expect(await page.getByTestId("webhook-destination").innerText()).toBe(`${receiver.baseUrl}/…`);
    expect(await page.locator('[data-testid="delivery-row"][data-status="failed"]').count()).toBeGreaterThan(0);
    expect(await page.content()).not.toContain("secret-token");

    await page.getByRole("button", { name: "Send test alert" }).click();
    await expect.poll(() => page.getByTestId("test-alert-result").getAttribute("data-status"), { timeout: 15_000 }).toBe("delivered");
    await page.screenshot({ path: `${SCREENSHOTS}/alerts.png`, fullPage: true });

    const webhookCard = page.getByTestId("webhook");
    await page.getByLabel("New webhook URL").fill(`${receiver.baseUrl}/browser-hook/secret-browser-0123`);
    await page.getByLabel("Format").selectOption("slack");
    await page.getByRole("button", { name: "Save webhook" }).click();
    await expect.poll(() => webhookCard.innerText()).toContain("as set on this page");
    expect(await page.content()).not.toContain("secret-browser");
    await page.getByRole("button", { name: "Remove (use ALERT_WEBHOOK_URL)" }).click();
    await expect.poll(() => webhookCard.innerText()).toContain("from ALERT_WEBHOOK_URL");

    await page.getByRole("link", { name: "Health" }).click();
    await page.waitForURL(`${server.baseUrl}/admin/session-health`);
    await expect.poll(() => page.getByTestId("firing-alert-user_session_count").isVisible(), { timeout: 15_000 }).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/session-health-firing-alert.png` });

    await page.getByRole("link", { name: "Monitoring" }).click();
    await page.waitForURL(`${server.baseUrl}/admin/session-monitoring`);
    await expect.poll(() => page.getByTestId("firing-alert-user_session_count").isVisible(), { timeout: 15_000 }).toBe(true);

    expect(problems).toEqual([]);
    await context.close();
  });
});
