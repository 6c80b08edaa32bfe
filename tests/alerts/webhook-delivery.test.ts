import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { deliverAlertMessage, type WebhookTarget } from "@/lib/alerts/deliver-webhook";
import type { AlertMessage } from "@/lib/alerts/webhook-payload";
import type { Database } from "@/lib/db/client";
import { alertDeliveries } from "@/lib/db/schema";

import { createTestDatabase, type TestDatabase } from "../support/databases";
import { freePort } from "../support/redis";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

// The secret part of the webhook URL, as Slack puts it in the path; it must never be stored.
const SECRET_PATH = "/services/T000/B000/secret-token-0123456789";

let database: TestDatabase;
let db: Database;
let receiver: WebhookReceiver;

const message: AlertMessage = {
  kind: "firing",
  ruleId: "failed_sign_ins",
  ruleName: "Failed sign-ins",
  summary: "42 failed sign-ins in the last minute <from 203.0.113.9 & others>.",
  value: 42,
  threshold: 20,
  unit: "per minute",
  at: new Date("2026-03-01T12:00:00Z"),
  transitionId: "0b7f2c1e-8f5d-4d8e-9c3a-2f1e0d9c8b7a",
  consoleUrl: "https://sessions.example.com/admin/alerts",
};

function target(overrides: Partial<WebhookTarget> = {}): WebhookTarget {
  return { url: `${receiver.baseUrl}${SECRET_PATH}`, format: "generic", timeoutMs: 2000, maxAttempts: 3, backoffMs: 20, ...overrides };
}

async function storedDelivery(id: string) {
  const [row] = await db.select().from(alertDeliveries).where(eq(alertDeliveries.id, id));
  return row;
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.connection.db;
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await receiver?.stop();
  await database?.drop();
});

beforeEach(() => {
  receiver.received.length = 0;
  receiver.reply(() => 200);
});

describe("webhook delivery", () => {
  it("sends the generic payload", async () => {
    const delivery = await deliverAlertMessage(db, target(), message);

    expect(delivery.status).toBe("delivered");
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request.path).toBe(SECRET_PATH);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.body).toEqual({
      source: "session-console",
      kind: "firing",
      rule: { id: "failed_sign_ins", name: "Failed sign-ins" },
      summary: message.summary,
      value: 42,
      threshold: 20,
      unit: "per minute",
      at: "2026-03-01T12:00:00.000Z",
      transition_id: message.transitionId,
      console_url: "https://sessions.example.com/admin/alerts",
    });
  });

  it("sends the Slack payload", async () => {
    const delivery = await deliverAlertMessage(db, target({ format: "slack" }), message);

    expect(delivery.status).toBe("delivered");
    expect(delivery.format).toBe("slack");
    const { body } = receiver.received[0];
    expect(Object.keys(body).sort()).toEqual(["blocks", "text"]);
    expect(body.text).toBe("[FIRING] Failed sign-ins: 42 failed sign-ins in the last minute &lt;from 203.0.113.9 &amp; others&gt;.");
    expect(body.blocks).toHaveLength(1);
    expect(body.blocks[0].type).toBe("section");
    expect(body.blocks[0].text.type).toBe("mrkdwn");
    expect(body.blocks[0].text.text).toContain("*[FIRING] Failed sign-ins*");
    expect(body.blocks[0].text.text).toContain("<https://sessions.example.com/admin/alerts|Open the alerts page>");
  });

  it("retries after a 500", async () => {
    receiver.reply((index) => (index === 0 ? 500 : 200));

    const delivery = await deliverAlertMessage(db, target(), message);

    expect(delivery.status).toBe("delivered");
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1].body).toEqual(receiver.received[0].body);
    const stored = await storedDelivery(delivery.id);
    expect(stored.attempts.map((attempt) => attempt.status_code)).toEqual([500, 200]);
    expect(stored.attempts[0].error).toBe("HTTP 500");
    expect(stored.completedAt).not.toBeNull();
  });

  it("gives up after three attempts", async () => {
    receiver.reply(() => 503);

    const delivery = await deliverAlertMessage(db, target(), message);

    expect(delivery.status).toBe("failed");
    expect(receiver.received).toHaveLength(3);
    const stored = await storedDelivery(delivery.id);
    expect(stored.status).toBe("failed");
    expect(stored.lastError).toBe("HTTP 503");
    expect(stored.attempts).toHaveLength(3);
  });

  it("does not retry a 404", async () => {
    receiver.reply(() => 404);

    const delivery = await deliverAlertMessage(db, target(), message);

    expect(delivery.status).toBe("failed");
    expect(receiver.received).toHaveLength(1);
  });

  it("times out on a silent receiver", async () => {
    receiver.reply(() => "hang");

    const delivery = await deliverAlertMessage(db, target({ timeoutMs: 300, maxAttempts: 2 }), message);

    expect(delivery.status).toBe("failed");
    expect(receiver.received).toHaveLength(2);
    const stored = await storedDelivery(delivery.id);
    expect(stored.attempts.map((attempt) => attempt.error)).toEqual(["timed out after 300 ms", "timed out after 300 ms"]);
    expect(stored.attempts.every((attempt) => attempt.status_code === null)).toBe(true);
    expect(stored.lastError).toBe("timed out after 300 ms");
  });

  it("records a refused connection", async () => {
    const closedPort = await freePort();

    const delivery = await deliverAlertMessage(db, target({ url: `http://127.0.0.1:${closedPort}${SECRET_PATH}`, maxAttempts: 2 }), message);

    expect(delivery.status).toBe("failed");
    expect(delivery.lastError).toContain("ECONNREFUSED");
    expect(delivery.attempts).toHaveLength(2);
  });

  it("stores the URL masked", async () => {
    const delivery = await deliverAlertMessage(db, target({ url: `${receiver.baseUrl}${SECRET_PATH}?key=abc` }), message);

    const stored = await storedDelivery(delivery.id);
    expect(stored.destination).toBe(`${receiver.baseUrl}/…`);
    expect(JSON.stringify(stored)).not.toContain("secret-token");
    expect(JSON.stringify(stored)).not.toContain("key=abc");
  });
});
