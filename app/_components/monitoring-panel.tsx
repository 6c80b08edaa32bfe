"use client";

import { useState } from "react";

import type { SessionStatistics } from "@/lib/sessions/statistics";
import type { StoreAnomalies } from "@/lib/sessions/types";
import { useSessionStatistics } from "@/lib/swr/use-session-statistics";

import { LocalTime } from "./local-time";
import { ErrorState, FallbackBanner, LoadingCards } from "./notices";
import { RefreshBar } from "./refresh-bar";
import { RepairIndexButton } from "./repair-index-button";
import { formatCount, StatCard } from "./stat-card";
import { storeLabel } from "./store-label";

const anomalyLabels: Array<[keyof StoreAnomalies, string]> = [
  ["unreadable_values", "Unreadable values"],
  ["wrong_type_keys", "Keys of the wrong type"],
  ["keys_without_ttl", "Records without a TTL"],
  ["orphan_index_entries", "Index entries without a record"],
  ["unindexed_records", "Records missing from the index"],
];

function AnomalyReport({ anomalies, onRepaired }: { anomalies: StoreAnomalies; onRepaired: (summary: string) => void }) {
  if (anomalies.status !== "found" && anomalies.status !== "failed") {
    return null;
  }

  return (
    <section className="rounded-lg border border-amber-300 bg-amber-50 p-5 text-sm text-amber-900" data-testid="anomalies">
      <h2 className="font-semibold">The Redis store holds keys that are not valid sessions</h2>
      <p className="mt-1">They are left out of the counts above.</p>
      {anomalies.error ? <p className="mt-1">The last check failed: {anomalies.error}</p> : null}
      <ul className="mt-3 grid grid-cols-1 gap-1 sm:grid-cols-2">
        {anomalyLabels.map(([field, label]) => (
          <li key={field}>
            {label}: <span className="font-semibold tabular-nums">{formatCount(anomalies[field] as number)}</span>
          </li>
        ))}
      </ul>
      {anomalies.checked_at ? (
        <p className="mt-2 text-xs">
          Checked <LocalTime iso={anomalies.checked_at} withDate /> over {formatCount(anomalies.scanned_keys)} keys
        </p>
      ) : null}
      {anomalies.status === "found" ? <RepairIndexButton onRepaired={onRepaired} /> : null}
    </section>
  );
}

export function MonitoringPanel({ initialStatistics }: { initialStatistics?: SessionStatistics }) {
  const { statistics, error, loading, refreshing, refresh } = useSessionStatistics(initialStatistics);
  const [repairSummary, setRepairSummary] = useState<string | null>(null);

  if (!statistics && loading) {
    return <LoadingCards count={4} />;
  }
  if (!statistics) {
    return <ErrorState title="Could not load the session statistics." message={error?.message ?? "No answer from the server."} />;
  }

  return (
    <div className="space-y-6">
      {statistics.fallback_active ? <FallbackBanner reason={statistics.fallback_reason} /> : null}

      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <StatCard label="Active sessions" testId="active-sessions" value={formatCount(statistics.active_sessions)} />
        <StatCard label="Active users" testId="active-users" value={formatCount(statistics.active_users)} />
        <StatCard
          label="Total sessions"
          testId="total-sessions"
          value={formatCount(statistics.total_sessions)}
          hint={statistics.revoked_sessions === null ? "Records stored" : `Includes ${formatCount(statistics.revoked_sessions)} revoked`}
        />
        <StatCard
          label="Expired sessions"
          testId="expired-sessions"
          value={formatCount(statistics.expired_sessions)}
          hint={statistics.data_source === "redis" ? "Until the next cleanup" : "Kept for the history"}
        />
      </div>

      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <StatCard
          label="Session store"
          testId="store-type"
          value={storeLabel(statistics.session_manager_type)}
          hint={`Numbers from ${statistics.data_source === "redis" ? "Redis" : "PostgreSQL"}`}
        />
        <StatCard label="Last refresh" testId="generated-at" value={<LocalTime iso={statistics.generated_at} />} />
      </div>

      {repairSummary ? (
        <p role="status" data-testid="repair-result" className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {repairSummary}
        </p>
      ) : null}
      {statistics.store_anomalies ? (
        <AnomalyReport
          anomalies={statistics.store_anomalies}
          onRepaired={(summary) => {
            setRepairSummary(summary);
            void refresh();
          }}
        />
      ) : null}

      <RefreshBar updatedAt={statistics.generated_at} showUpdatedAt={false} error={error} refreshing={refreshing} onRefresh={() => void refresh()} />
    </div>
  );
}
