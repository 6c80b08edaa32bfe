import "server-only";

import type { Database } from "@/lib/db/client";
import { selectStoredWebhook } from "@/lib/db/queries/alerts";
import { getEnv } from "@/lib/env";

import type { WebhookTarget } from "./deliver-webhook";
import { maskWebhookUrl } from "./webhook-payload";

// Three attempts, 1 s then 2 s apart: a receiver that restarts gets a few seconds, and an
// evaluation's messages are done well before the next minute.
const maxAttempts = 3;
const backoffMs = 1000;

export interface WebhookDescription {
  configured: boolean;
  /** The URL with its path and query masked; null when no webhook is configured. */
  destination: string | null;
  format: WebhookTarget["format"];
  /** "console" when an admin set the webhook on the alerts page, "environment" for ALERT_WEBHOOK_URL. */
  source: "console" | "environment" | null;
}

async function resolveWebhook(db: Database): Promise<{ url: string; format: WebhookTarget["format"]; source: "console" | "environment" } | null> {
  const stored = await selectStoredWebhook(db);
  if (stored) return { ...stored, source: "console" };

  const env = getEnv();
  return env.ALERT_WEBHOOK_URL ? { url: env.ALERT_WEBHOOK_URL, format: env.ALERT_WEBHOOK_FORMAT, source: "environment" } : null;
}

/**
 * Returns the webhook that alert messages go to: the one set in the console, else
 * ALERT_WEBHOOK_URL, else null.
 */
export async function getWebhookTarget(db: Database): Promise<WebhookTarget | null> {
  const webhook = await resolveWebhook(db);
  if (!webhook) return null;
  return { url: webhook.url, format: webhook.format, timeoutMs: getEnv().ALERT_WEBHOOK_TIMEOUT_MS, maxAttempts, backoffMs };
}

/** Describes the webhook for the console with the URL masked, because the whole URL may carry a secret. */
export async function describeWebhook(db: Database): Promise<WebhookDescription> {
  const webhook = await resolveWebhook(db);
  if (!webhook) return { configured: false, destination: null, format: getEnv().ALERT_WEBHOOK_FORMAT, source: null };
  return { configured: true, destination: maskWebhookUrl(webhook.url), format: webhook.format, source: webhook.source };
}

/** Returns the alerts page URL for messages, or null without NEXTAUTH_URL, because a request's Host is not trusted here. */
export function alertsPageUrl(): string | null {
  const base = getEnv().NEXTAUTH_URL;
  return base ? new URL("/admin/alerts", base).toString() : null;
}
