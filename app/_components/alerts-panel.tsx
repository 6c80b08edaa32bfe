"use client";

import { useState, type FormEvent } from "react";

import type { AlertDeliveryView, AlertRuleView, AlertsOverview } from "@/lib/alerts/alerts-overview";
import { ApiError, sendJson } from "@/lib/swr/fetcher";
import { useAlerts } from "@/lib/swr/use-alerts";

import { LocalTime } from "./local-time";
import { ErrorState } from "./notices";

const stateStyles: Record<string, string> = {
  inactive: "bg-slate-50 text-slate-600 ring-slate-500/20",
  resolved: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  pending: "bg-amber-50 text-amber-800 ring-amber-600/20",
  firing: "bg-red-50 text-red-700 ring-red-600/20",
};
const stateLabels: Record<string, string> = { inactive: "OK", resolved: "Resolved", pending: "Pending", firing: "Firing" };

const inputClass = "mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 text-sm focus:border-slate-500 focus:outline-none";
const cardClass = "rounded-lg border border-slate-200 bg-white p-5 shadow-sm";

function StateBadge({ state, testId }: { state: string; testId?: string }) {
  return (
    <span data-testid={testId} data-state={state} className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${stateStyles[state] ?? stateStyles.inactive}`}>
      {stateLabels[state] ?? state}
    </span>
  );
}

const errorText = (error: unknown) => (error instanceof ApiError ? error.message : "The request failed.");

/** Renders one rule: its state and reading, and a form for its settings. */
function RuleCard({ rule, onSaved }: { rule: AlertRuleView; onSaved: () => void }) {
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const number = (name: string) => Number(form.get(name));
    const body: Record<string, unknown> = {
      enabled: form.get("enabled") === "on",
      duration_seconds: number("duration_seconds"),
      cooldown_seconds: number("cooldown_seconds"),
    };
    if (rule.threshold !== null) body.threshold = number("threshold");
    if (rule.window_seconds !== null) body.window_seconds = number("window_seconds");

    setSaving(true);
    setMessage(null);
    try {
      await sendJson(`/api/admin/alerts/rules/${rule.id}`, "PATCH", body);
      setMessage({ ok: true, text: "Saved; applies from the next evaluation." });
      onSaved();
    } catch (error) {
      setMessage({ ok: false, text: errorText(error) });
    } finally {
      setSaving(false);
    }
  }

  return (
    <li className="py-4" data-testid={`rule-${rule.id}`}>
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="font-medium text-slate-900">{rule.name}</h3>
        <StateBadge state={rule.enabled ? rule.state : "inactive"} testId={`rule-state-${rule.id}`} />
        {!rule.enabled ? <span className="text-xs text-slate-500">disabled</span> : null}
        {rule.state_since && rule.state !== "inactive" ? (
          <span className="text-xs text-slate-500">
            since <LocalTime iso={rule.state_since} withDate />
          </span>
        ) : null}
      </div>
      <p className="mt-0.5 text-xs text-slate-500">{rule.description}</p>
      {rule.summary ? <p className="mt-1 text-sm text-slate-700">{rule.summary}</p> : null}

      <form onSubmit={save} className="mt-2 flex flex-wrap items-end gap-3 text-sm">
        {rule.threshold !== null ? (
          <label className="w-40">
            <span className="text-slate-600">Threshold ({rule.unit})</span>
            <input name="threshold" type="number" step="any" min={rule.threshold_range?.min} max={rule.threshold_range?.max} defaultValue={rule.threshold} className={inputClass} />
          </label>
        ) : null}
        <label className="w-32">
          <span className="text-slate-600">Duration (s)</span>
          <input name="duration_seconds" type="number" min={0} step={1} defaultValue={rule.duration_seconds} className={inputClass} />
        </label>
        {rule.window_seconds !== null ? (
          <label className="w-32">
            <span className="text-slate-600">Window (s)</span>
            <input name="window_seconds" type="number" min={60} step={1} defaultValue={rule.window_seconds} className={inputClass} />
          </label>
        ) : null}
        <label className="w-32">
          <span className="text-slate-600">Cooldown (s)</span>
          <input name="cooldown_seconds" type="number" min={0} step={1} defaultValue={rule.cooldown_seconds} className={inputClass} />
        </label>
        <label className="flex items-center gap-1.5 pb-1.5">
          <input name="enabled" type="checkbox" defaultChecked={rule.enabled} />
          <span className="text-slate-600">Enabled</span>
        </label>
        <button type="submit" disabled={saving} className="rounded-md bg-slate-900 px-3 py-1.5 font-medium text-white hover:bg-slate-800 disabled:opacity-60">
          {saving ? "Saving…" : "Save"}
        </button>
        {message ? (
          <span role="status" className={message.ok ? "pb-1.5 text-emerald-700" : "pb-1.5 text-red-700"}>
            {message.text}
          </span>
        ) : null}
      </form>
    </li>
  );
}

function DeliveryResult({ delivery }: { delivery: AlertDeliveryView }) {
  const ok = delivery.status === "delivered";
  return (
    <p role="status" data-testid="test-alert-result" data-status={delivery.status} className={ok ? "text-sm text-emerald-700" : "text-sm text-red-700"}>
      {ok
        ? `Delivered to ${delivery.destination} after ${delivery.attempts.length} attempt${delivery.attempts.length === 1 ? "" : "s"}.`
        : `Not delivered to ${delivery.destination} after ${delivery.attempts.length} attempts: ${delivery.last_error}`}
    </p>
  );
}

function WebhookForm({ webhook, onSaved }: { webhook: AlertsOverview["webhook"]; onSaved: () => void }) {
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function save(url: string | null, format: string) {
    setSaving(true);
    setMessage(null);
    try {
      await sendJson("/api/admin/alerts/webhook", "PUT", { url, format });
      setMessage({ ok: true, text: url === null ? "Removed; ALERT_WEBHOOK_URL applies if set." : "Saved." });
      onSaved();
    } catch (error) {
      setMessage({ ok: false, text: errorText(error) });
    } finally {
      setSaving(false);
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void save(String(form.get("url") ?? ""), String(form.get("format") ?? "generic"));
  }

  return (
    // The URL field starts empty: the stored URL may contain a secret and is never sent to the browser.
    <form onSubmit={submit} className="mt-3 flex flex-wrap items-end gap-3 text-sm" data-testid="webhook-form">
      <label className="min-w-72 flex-1">
        <span className="text-slate-600">New webhook URL</span>
        <input name="url" type="url" required placeholder="https://hooks.slack.com/services/…" autoComplete="off" className={inputClass} />
      </label>
      <label className="w-32">
        <span className="text-slate-600">Format</span>
        <select name="format" defaultValue={webhook.format} className={inputClass}>
          <option value="generic">generic</option>
          <option value="slack">slack</option>
        </select>
      </label>
      <button type="submit" disabled={saving} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-100 disabled:opacity-60">
        Save webhook
      </button>
      {webhook.source === "console" ? (
        <button type="button" disabled={saving} onClick={() => void save(null, webhook.format)} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-100 disabled:opacity-60">
          Remove (use ALERT_WEBHOOK_URL)
        </button>
      ) : null}
      {message ? (
        <span role="status" className={message.ok ? "pb-1.5 text-emerald-700" : "pb-1.5 text-red-700"}>
          {message.text}
        </span>
      ) : null}
    </form>
  );
}

function WebhookCard({ webhook, onChanged }: { webhook: AlertsOverview["webhook"]; onChanged: () => void }) {
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<AlertDeliveryView | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function sendTest() {
    setSending(true);
    setError(null);
    setResult(null);
    try {
      setResult(await sendJson<AlertDeliveryView>("/api/admin/alerts/test", "POST", {}));
      onChanged();
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setSending(false);
    }
  }

  return (
    <section className={cardClass} data-testid="webhook">
      <h2 className="text-base font-semibold">Webhook</h2>
      {webhook.configured ? (
        <p className="mt-1 text-sm text-slate-600">
          Messages go to <span className="font-mono" data-testid="webhook-destination">{webhook.destination}</span> in the {webhook.format} format
          {webhook.source === "console" ? ", as set on this page." : ", from ALERT_WEBHOOK_URL."}
        </p>
      ) : (
        <p className="mt-1 text-sm text-slate-600">No webhook is configured: set one below or in ALERT_WEBHOOK_URL to receive alert messages. Alerts still show here.</p>
      )}
      <div className="mt-3 flex flex-wrap items-center gap-3">
        <button type="button" onClick={sendTest} disabled={sending || !webhook.configured} className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800 disabled:opacity-60">
          {sending ? "Sending…" : "Send test alert"}
        </button>
        {result ? <DeliveryResult delivery={result} /> : null}
        {error ? (
          <p role="alert" className="text-sm text-red-700">
            {error}
          </p>
        ) : null}
      </div>
      <WebhookForm webhook={webhook} onSaved={onChanged} />
    </section>
  );
}

function messageLabel(row: AlertsOverview["history"][number]): string {
  if (row.notified) return "sent";
  // A firing or resolution without a message was held back by the cooldown; pending sends none.
  if (row.to_state === "firing" || row.to_state === "resolved") return "held back (cooldown)";
  return "none";
}

function deliveryLabel(row: AlertDeliveryView): string {
  if (row.status === "failed") return `Failed: ${row.last_error}`;
  if (row.status === "delivered") return "Delivered";
  return "Sending";
}

function HistoryTable({ history }: { history: AlertsOverview["history"] }) {
  if (history.length === 0) return <p className="text-sm text-slate-500">No alert has changed state yet.</p>;
  return (
    <table className="w-full text-left text-sm" data-testid="alert-history">
      <thead className="text-xs uppercase tracking-wide text-slate-500">
        <tr>
          <th className="pb-2 font-medium">Time</th>
          <th className="pb-2 font-medium">Rule</th>
          <th className="pb-2 font-medium">Change</th>
          <th className="pb-2 font-medium">Reading</th>
          <th className="pb-2 font-medium">Message</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {history.map((row) => (
          <tr key={row.id}>
            <td className="whitespace-nowrap py-1.5 pr-3">
              <LocalTime iso={row.at} withDate />
            </td>
            <td className="py-1.5 pr-3">{row.rule_name}</td>
            <td className="whitespace-nowrap py-1.5 pr-3">
              <StateBadge state={row.from_state} /> → <StateBadge state={row.to_state} />
            </td>
            <td className="py-1.5 pr-3 text-slate-700">{row.summary}</td>
            <td className="py-1.5 text-slate-500">{messageLabel(row)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DeliveriesTable({ deliveries }: { deliveries: AlertDeliveryView[] }) {
  if (deliveries.length === 0) return <p className="text-sm text-slate-500">No message has been sent yet.</p>;
  return (
    <table className="w-full text-left text-sm" data-testid="alert-deliveries">
      <thead className="text-xs uppercase tracking-wide text-slate-500">
        <tr>
          <th className="pb-2 font-medium">Time</th>
          <th className="pb-2 font-medium">Message</th>
          <th className="pb-2 font-medium">Destination</th>
          <th className="pb-2 font-medium">Result</th>
          <th className="pb-2 font-medium">Attempts</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {deliveries.map((row) => (
          <tr key={row.id} data-testid="delivery-row" data-status={row.status} className={row.status === "failed" ? "bg-red-50 text-red-900" : undefined}>
            <td className="whitespace-nowrap py-1.5 pr-3">
              <LocalTime iso={row.created_at} withDate />
            </td>
            <td className="py-1.5 pr-3">
              {row.kind === "test" ? "Test" : `${row.kind === "firing" ? "Firing" : "Resolved"}: ${row.rule_name}`}
            </td>
            <td className="py-1.5 pr-3 font-mono text-xs">{row.destination}</td>
            <td className="py-1.5 pr-3 font-medium">{deliveryLabel(row)}</td>
            <td className="py-1.5 text-xs text-slate-600">
              {row.attempts.map((attempt, index) => (
                <span key={index} className="mr-2 inline-block">
                  {attempt.status_code ?? attempt.error} ({attempt.duration_ms} ms)
                </span>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Renders the alerts page body: webhook and test button, editable rules with their state, history and deliveries. */
export function AlertsPanel({ initialAlerts }: { initialAlerts?: AlertsOverview }) {
  const { alerts, error, refresh } = useAlerts(initialAlerts);

  if (!alerts) {
    return error ? <ErrorState title="Could not load the alerts." message={error.message} /> : null;
  }

  return (
    <div className="space-y-6">
      <WebhookCard webhook={alerts.webhook} onChanged={refresh} />

      <section className={cardClass}>
        <h2 className="text-base font-semibold">Rules</h2>
        <p className="text-xs text-slate-500">
          Evaluated once a minute.{" "}
          {alerts.last_evaluated_at ? (
            <>
              Last evaluation: <LocalTime iso={alerts.last_evaluated_at} withDate />.
            </>
          ) : (
            "No evaluation has run yet."
          )}
        </p>
        <ul className="divide-y divide-slate-100" data-testid="alert-rules">
          {alerts.rules.map((rule) => (
            <RuleCard key={rule.id} rule={rule} onSaved={refresh} />
          ))}
        </ul>
      </section>

      <section className={cardClass}>
        <h2 className="mb-3 text-base font-semibold">History</h2>
        <HistoryTable history={alerts.history} />
      </section>

      <section className={cardClass}>
        <h2 className="mb-3 text-base font-semibold">Deliveries</h2>
        <DeliveriesTable deliveries={alerts.deliveries} />
      </section>
    </div>
  );
}
