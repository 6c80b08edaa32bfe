"use client";

import type { ApiError } from "@/lib/swr/fetcher";
import { DASHBOARD_REFRESH_MS } from "@/lib/swr/dashboard-options";

import { LocalTime } from "./local-time";

/**
 * Renders the dashboards' footer line: when the numbers were produced, a stale badge when the last
 * refresh failed, and a button to refresh now.
 */
export function RefreshBar({
  updatedAt,
  showUpdatedAt = true,
  error,
  refreshing,
  onRefresh,
}: {
  updatedAt: string | undefined;
  /** False where the page already shows the time of the numbers. */
  showUpdatedAt?: boolean;
  error: ApiError | undefined;
  refreshing: boolean;
  onRefresh: () => void;
}) {
  const stale = Boolean(error && updatedAt);

  return (
    <div className="flex flex-wrap items-center gap-3 text-sm text-slate-500">
      {updatedAt && showUpdatedAt ? (
        <span data-testid="last-refresh">
          Updated <LocalTime iso={updatedAt} />
        </span>
      ) : null}
      <span>Refreshes every {DASHBOARD_REFRESH_MS / 1000} s</span>
      {stale ? (
        <span
          data-testid="stale-badge"
          className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800"
          title={error?.message}
        >
          Stale: refresh failed ({error?.message})
        </span>
      ) : null}
      <button
        type="button"
        onClick={onRefresh}
        disabled={refreshing}
        data-testid="refresh"
        className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-100 disabled:opacity-60"
      >
        {refreshing ? "Refreshing…" : "Refresh now"}
      </button>
    </div>
  );
}
