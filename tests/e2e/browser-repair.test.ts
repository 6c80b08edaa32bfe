import { mkdirSync } from "node:fs";

import type Redis from "ioredis";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RedisKeyLayout } from "@/lib/sessions/redis-keys";
import { createUser } from "@/lib/users/create-user";

import { CHROMIUM_FLAGS, CHROMIUM_PATH, collectProblems } from "../support/browser";
import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { getJson, signIn } from "../support/http";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, uniquePrefix } from "../support/redis";

const SCREENSHOTS = "test-results/screenshots";
const PASSWORD = "user-password-1";

describe("index repair in a browser", () => {
  let database: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let server: ConsoleServer;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    database = await createTestDatabase();
    await createUser(database.connection.db, { email: "damaged@example.com", password: PASSWORD, role: "user" });
    redis = await connectTestRedis();
    prefix = uniquePrefix();
    // A check every second, so that the damage shows without waiting for the hourly one.
    server = await startConsoleServer({
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      SESSION_INTEGRITY_SCAN_INTERVAL_SECONDS: "1",
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await deleteKeysWithPrefix(redis, prefix);
    redis?.disconnect();
    await database?.drop();
  });

  it("shows the damage, a dry run, then repairs", async () => {
    const user = await signIn(server.baseUrl, "damaged@example.com", PASSWORD);
    expect(user).not.toBeNull();
    // Remove the user's record behind the console's back: its index entry becomes an orphan.
    const layout = new RedisKeyLayout(prefix, 1);
    const [recordKey] = await redis.keys(`${layout.shard(0).recordPrefix}*`);
    await redis.del(recordKey);

    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/admin\//);

    // The check runs in the background after a count; reload until its findings show.
    await expect
      .poll(
        async () => {
          await page.goto(`${server.baseUrl}/admin/session-monitoring`);
          return page.getByTestId("anomalies").count();
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toBe(1);
    await page.getByTestId("repair-index").click();
    await expect.poll(() => page.getByTestId("repair-plan").innerText()).toContain("Remove index entries without a record: 1");
    await page.screenshot({ path: `${SCREENSHOTS}/repair-dry-run.png` });

    await page.getByRole("button", { name: "Repair now" }).click();
    await expect.poll(() => page.getByTestId("repair-result").innerText()).toBe("Repaired 1 key and rewrote 2 sessions from PostgreSQL.");
    // PostgreSQL still held the user's session, so the repair brought it back.
    expect((await getJson(`${server.baseUrl}/api/account/sessions`, user!)).status).toBe(200);
    await expect.poll(() => page.getByTestId("anomalies").count(), { timeout: 10_000 }).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/repair-done.png` });

    expect(problems).toEqual([]);
    await context.close();
  });
});
