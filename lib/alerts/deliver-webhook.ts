import "server-only";

import { randomUUID } from "node:crypto";

import type { Database } from "@/lib/db/client";
import { insertAlertDelivery, recordDeliveryAttempt } from "@/lib/db/queries/alerts";
import type { AlertDeliveryAttempt, AlertDeliveryRow } from "@/lib/db/schema";
import { logger } from "@/lib/logger";
import { describeError } from "@/lib/util/describe-error";

import { buildPayload, maskWebhookUrl, type AlertMessage, type WebhookFormat } from "./webhook-payload";

export interface WebhookTarget {
  url: string;
  format: WebhookFormat;
  /** Per attempt, until the response headers arrive. */
  timeoutMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The wait before the second attempt; it doubles before each further one. */
  backoffMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 5xx, 429 and no response at all may pass on a retry; other statuses will not. */
const isRetryable = (statusCode: number | null) => statusCode === null || statusCode === 429 || statusCode >= 500;

async function attemptOnce(target: WebhookTarget, body: string): Promise<AlertDeliveryAttempt> {
  const startedAt = performance.now();
  const at = new Date().toISOString();
  try {
    const response = await fetch(target.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "session-console-alerts" },
      body,
      // A redirect counts as a failure: following it could send the alert to another host.
      redirect: "manual",
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    // The body is not needed; cancelling it frees the connection even when the receiver keeps it open.
    await response.body?.cancel().catch(() => {});
    return { at, status_code: response.status, error: response.ok ? null : `HTTP ${response.status}`, duration_ms: Math.round(performance.now() - startedAt) };
  } catch (error) {
    const name = (error as { name?: string }).name;
    const message = name === "TimeoutError" || name === "AbortError" ? `timed out after ${target.timeoutMs} ms` : describeError((error as { cause?: unknown }).cause ?? error);
    // fetch errors rarely name the URL, but the URL may carry a secret, so it is masked if they do.
    return { at, status_code: null, error: message.split(target.url).join(maskWebhookUrl(target.url)), duration_ms: Math.round(performance.now() - startedAt) };
  }
}

/**
 * Sends one message to the webhook with bounded retries and exponential backoff, and records the
 * delivery and each attempt's result in PostgreSQL as it goes. Returns the final delivery row.
 */
export async function deliverAlertMessage(db: Database, target: WebhookTarget, message: AlertMessage): Promise<AlertDeliveryRow> {
  const id = randomUUID();
  const destination = maskWebhookUrl(target.url);
  await insertAlertDelivery(db, {
    id,
    createdAt: new Date(),
    kind: message.kind,
    ruleId: message.ruleId,
    transitionId: message.transitionId,
    destination,
    format: target.format,
    status: "sending",
  });

  const body = JSON.stringify(buildPayload(target.format, message));
  let row: AlertDeliveryRow | undefined;
  for (let attempt = 1; attempt <= target.maxAttempts; attempt += 1) {
    const result = await attemptOnce(target, body);
    const delivered = result.status_code !== null && result.status_code >= 200 && result.status_code < 300;
    const final = delivered || attempt === target.maxAttempts || !isRetryable(result.status_code);
    let status: AlertDeliveryRow["status"] = "sending";
    if (delivered) status = "delivered";
    else if (final) status = "failed";
    row = await recordDeliveryAttempt(db, id, result, { status, lastError: result.error });

    if (final) {
      if (!delivered) {
        logger.warn("alert delivery failed", { delivery_id: id, kind: message.kind, rule_id: message.ruleId, destination, attempts: attempt, error: result.error });
      }
      break;
    }
    logger.info("alert delivery attempt failed; retrying", { delivery_id: id, destination, attempt, error: result.error });
    await sleep(target.backoffMs * 2 ** (attempt - 1));
  }
  return row!;
}
