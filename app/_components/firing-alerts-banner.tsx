"use client";

import Link from "next/link";

import { useAlerts } from "@/lib/swr/use-alerts";

import { LocalTime } from "./local-time";

/** Shows the firing alerts and a failed latest delivery at the top of a dashboard, and nothing while all is quiet. */
export function FiringAlertsBanner() {
  const { alerts } = useAlerts();
  if (!alerts) return null;

  const latestDelivery = alerts.deliveries[0];
  const deliveryFailed = latestDelivery?.status === "failed";
  if (alerts.firing.length === 0 && !deliveryFailed) return null;

  return (
    <div role="alert" data-testid="firing-alerts" className="rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900">
      {alerts.firing.length > 0 ? (
        <>
          <strong className="font-semibold">
            {alerts.firing.length === 1 ? "1 alert is firing" : `${alerts.firing.length} alerts are firing`}
          </strong>
          <ul className="mt-1 space-y-0.5">
            {alerts.firing.map((alert) => (
              <li key={alert.id} data-testid={`firing-alert-${alert.id}`}>
                <span className="font-medium">{alert.name}</span>
                {alert.since ? (
                  <span className="text-red-700">
                    {" "}
                    (since <LocalTime iso={alert.since} />)
                  </span>
                ) : null}
                {alert.summary ? <span>: {alert.summary}</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {deliveryFailed ? (
        <p className="mt-1" data-testid="delivery-failed">
          The latest alert message could not be delivered to {latestDelivery.destination}: {latestDelivery.last_error}
        </p>
      ) : null}
      <Link href="/admin/alerts" className="mt-1 inline-block font-medium underline">
        Open the alerts page
      </Link>
    </div>
  );
}
