"use client";

import type { SessionHealth } from "@/lib/sessions/health";
import type { SessionStatistics } from "@/lib/sessions/statistics";
import type { StoreCheck } from "@/lib/sessions/types";
import { useSessionHealth } from "@/lib/swr/use-session-health";
import { useSessionStatistics } from "@/lib/swr/use-session-statistics";

import { ErrorState, FallbackBanner, LoadingCards } from "./notices";
import { RefreshBar } from "./refresh-bar";
import { formatCount, StatCard } from "./stat-card";
import { StatusBadge } from "./status-badge";
import { storeLabel } from "./store-label";

function CheckRow({ name, check }: { name: string; check: StoreCheck }) {
  return (
    <tr className="border-t border-slate-100" data-testid={`check-${name.toLowerCase()}`}>
      <td className="py-3 pr-4 font-medium text-slate-800">{name}</td>
      <td className="py-3 pr-4">
        <StatusBadge status={check.status} />
      </td>
      <td className="py-3 pr-4 tabular-nums text-slate-700">
        {check.latency_ms === null ? "—" : `${check.latency_ms.toFixed(2)} ms`}
      </td>
      <td className="py-3 text-slate-600">{check.error ?? "—"}</td>
    </tr>
  );
}

export function HealthPanel({
  initialHealth,
  initialStatistics,
}: {
  initialHealth?: SessionHealth;
  initialStatistics?: SessionStatistics;
}) {
  const health = useSessionHealth(initialHealth);
  const stats = useSessionStatistics(initialStatistics);
  const data = health.health;
  const error = health.error ?? stats.error;

  if (!data && health.loading) {
    return <LoadingCards count={3} />;
  }
  if (!data) {
    return <ErrorState title="Could not load the session health." message={error?.message ?? "No answer from the server."} />;
  }

  return (
    <div className="space-y-6">
      {data.fallback_active ? <FallbackBanner reason={data.checks.redis.error} /> : null}

      <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
        <StatCard label="Overall status" value={<StatusBadge status={data.status} testId="overall-status" />} />
        <StatCard
          label="Active sessions"
          testId="active-sessions"
          value={stats.statistics ? formatCount(stats.statistics.active_sessions) : "—"}
          hint={
            stats.statistics
              ? `Counted in ${stats.statistics.data_source === "redis" ? "Redis" : "PostgreSQL"}`
              : stats.error?.message
          }
        />
        <StatCard label="Session store" testId="store-type" value={storeLabel(data.session_manager_type)} />
      </div>

      <section className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="text-base font-semibold">Checks</h2>
        <div className="mt-3 overflow-x-auto">
          <table className="w-full min-w-[32rem] text-left text-sm">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="pb-2 pr-4 font-medium">Store</th>
                <th className="pb-2 pr-4 font-medium">Status</th>
                <th className="pb-2 pr-4 font-medium">Latency</th>
                <th className="pb-2 font-medium">Error</th>
              </tr>
            </thead>
            <tbody>
              <CheckRow name="Redis" check={data.checks.redis} />
              <CheckRow name="PostgreSQL" check={data.checks.database} />
            </tbody>
          </table>
        </div>
      </section>

      <RefreshBar
        updatedAt={data.checked_at}
        error={error}
        refreshing={health.refreshing || stats.refreshing}
        onRefresh={() => {
          void health.refresh();
          void stats.refresh();
        }}
      />
    </div>
  );
}
