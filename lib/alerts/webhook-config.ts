import "server-only";

import { getEnv } from "@/lib/env";

import type { WebhookTarget } from "./deliver-webhook";
import { maskWebhookUrl } from "./webhook-payload";

// Three attempts, 1 s then 2 s apart: a receiver that restarts gets a few seconds, and an
// evaluation's messages are done well before the next minute.
const maxAttempts = 3;
const backoffMs = 1000;

/** Returns the webhook from the environment, or null when ALERT_WEBHOOK_URL is unset. */
export function getWebhookTarget(): WebhookTarget | null {
  const env = getEnv();
  if (!env.ALERT_WEBHOOK_URL) return null;
  return { url: env.ALERT_WEBHOOK_URL, format: env.ALERT_WEBHOOK_FORMAT, timeoutMs: env.ALERT_WEBHOOK_TIMEOUT_MS, maxAttempts, backoffMs };
}

/** Describes the webhook for the console with the URL masked, because the whole URL may carry a secret. */
export function describeWebhook(): { configured: boolean; destination: string | null; format: WebhookTarget["format"] } {
  const env = getEnv();
  return {
    configured: Boolean(env.ALERT_WEBHOOK_URL),
    destination: env.ALERT_WEBHOOK_URL ? maskWebhookUrl(env.ALERT_WEBHOOK_URL) : null,
    format: env.ALERT_WEBHOOK_FORMAT,
  };
}

/** Returns the alerts page URL for messages, or null without NEXTAUTH_URL, because a request's Host is not trusted here. */
export function alertsPageUrl(): string | null {
  const base = getEnv().NEXTAUTH_URL;
  return base ? new URL("/admin/alerts", base).toString() : null;
}
