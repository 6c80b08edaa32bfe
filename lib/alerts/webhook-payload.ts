export type WebhookFormat = "generic" | "slack";

/** One alert message, before it is shaped for a webhook format. */
export interface AlertMessage {
  kind: "firing" | "resolved" | "test";
  ruleId: string | null;
  ruleName: string;
  summary: string;
  value: number | null;
  threshold: number | null;
  unit: string | null;
  at: Date;
  transitionId: string | null;
  /** The console's alerts page; null unless NEXTAUTH_URL is set. */
  consoleUrl: string | null;
}

const kindLabels = { firing: "FIRING", resolved: "RESOLVED", test: "TEST" } as const;

/** Builds the generic JSON body: stable snake_case fields for any receiver. */
export function genericPayload(message: AlertMessage) {
  return {
    source: "session-console",
    kind: message.kind,
    rule: message.ruleId ? { id: message.ruleId, name: message.ruleName } : null,
    summary: message.summary,
    value: message.value,
    threshold: message.threshold,
    unit: message.unit,
    at: message.at.toISOString(),
    transition_id: message.transitionId,
    console_url: message.consoleUrl,
  };
}

// Slack's mrkdwn treats &, < and > as control characters; they must be escaped in text.
const escapeSlack = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Builds a Slack incoming-webhook body: `text` for notifications and clients without blocks, and one section block. */
export function slackPayload(message: AlertMessage) {
  const title = `[${kindLabels[message.kind]}] ${message.ruleName}`;
  const link = message.consoleUrl ? `\n<${message.consoleUrl}|Open the alerts page>` : "";
  return {
    text: escapeSlack(`${title}: ${message.summary}`),
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `*${escapeSlack(title)}*\n${escapeSlack(message.summary)}${link}` },
      },
    ],
  };
}

export function buildPayload(format: WebhookFormat, message: AlertMessage): unknown {
  return format === "slack" ? slackPayload(message) : genericPayload(message);
}

/**
 * Masks a webhook URL for the console and logs: the scheme and host stay, the path and query
 * (where Slack and most services put the secret) and any credentials are replaced.
 */
export function maskWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const hidden = parsed.pathname !== "/" || parsed.search !== "" || parsed.username !== "" || parsed.password !== "";
    return `${parsed.protocol}//${parsed.host}${hidden ? "/…" : "/"}`;
  } catch {
    return "(invalid URL)";
  }
}
