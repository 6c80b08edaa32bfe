"use client";

import type { RedisMemoryReport } from "@/lib/redis/memory-report";
import { useStoreDetails } from "@/lib/swr/use-store-details";

import { ErrorState } from "./notices";
import { formatCount } from "./stat-card";

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-0.5 font-medium tabular-nums text-slate-800">{value}</dd>
    </div>
  );
}

function RedisFigures({ redis }: { redis: RedisMemoryReport }) {
  return (
    <>
      {redis.warnings.map((warning) => (
        <p key={warning.code} role="alert" data-testid={`redis-warning-${warning.code}`} className="mb-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {warning.message}
        </p>
      ))}
      <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
        <Figure label="Used memory" value={formatBytes(redis.used_memory_bytes)} />
        <Figure label="Peak" value={formatBytes(redis.used_memory_peak_bytes)} />
        <Figure
          label="maxmemory"
          value={redis.maxmemory_bytes ? `${formatBytes(redis.maxmemory_bytes)} (${Math.round((redis.used_share ?? 0) * 100)}% used)` : "no limit"}
        />
        <Figure label="Fragmentation" value={redis.fragmentation_ratio.toFixed(2)} />
        <Figure label="Eviction policy" value={redis.eviction_policy} />
        <Figure label="Evicted keys" value={formatCount(redis.evicted_keys)} />
        <Figure label="Clients" value={formatCount(redis.connected_clients)} />
        <Figure label="Session entries" value={formatCount(redis.session_entries)} />
        <Figure label="Keys (with TTL)" value={`${formatCount(redis.keys)} (${formatCount(redis.volatile_keys)})`} />
        <Figure label="Memory per session" value={redis.bytes_per_session === null ? "from 1,000 sessions" : `${redis.bytes_per_session} B`} />
        <Figure label="Servers" value={String(redis.nodes)} />
      </dl>
    </>
  );
}

/** Shows store latency as measured by this server, Redis memory and eviction risks, PostgreSQL sizes. */
export function StoreDetailsPanel() {
  const { details, error } = useStoreDetails();

  if (!details) {
    return error ? <ErrorState title="Could not load the store details." message={error.message} /> : null;
  }

  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2" data-testid="store-details">
      <section className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="text-base font-semibold">Store latency</h2>
        <p className="mb-3 text-xs text-slate-500">As this server saw it over the last {details.latency_window_seconds / 60} minutes.</p>
        {details.latency.length === 0 ? (
          <p className="text-sm text-slate-500">No operations yet.</p>
        ) : (
          <table className="w-full text-left text-sm" data-testid="latency-table">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="pb-2 font-medium">Operation</th>
                <th className="pb-2 font-medium">Store</th>
                <th className="pb-2 text-right font-medium">p50</th>
                <th className="pb-2 text-right font-medium">p95</th>
                <th className="pb-2 text-right font-medium">Count</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {details.latency.map((row) => (
                <tr key={`${row.operation}:${row.store}`}>
                  <td className="py-1.5 capitalize">{row.operation}</td>
                  <td className="py-1.5">{row.store === "redis" ? "Redis" : "PostgreSQL"}</td>
                  <td className="py-1.5 text-right tabular-nums">{row.p50_ms.toFixed(2)} ms</td>
                  <td className="py-1.5 text-right tabular-nums">{row.p95_ms.toFixed(2)} ms</td>
                  <td className="py-1.5 text-right tabular-nums">{formatCount(row.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="mb-3 text-base font-semibold">PostgreSQL</h2>
        {details.postgres ? (
          <dl className="grid grid-cols-3 gap-3 text-sm">
            <Figure label="Sessions table" value={formatBytes(details.postgres.table_bytes)} />
            <Figure label="Its indexes" value={formatBytes(details.postgres.index_bytes)} />
            <Figure label="Query latency" value={`${details.postgres.check_latency_ms.toFixed(2)} ms`} />
          </dl>
        ) : (
          <p className="text-sm text-red-700">{details.postgres_error}</p>
        )}
      </section>

      <section className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm lg:col-span-2" data-testid="redis-memory">
        <h2 className="mb-3 text-base font-semibold">Redis memory</h2>
        {details.redis ? <RedisFigures redis={details.redis} /> : null}
        {!details.redis && details.redis_error ? <p className="text-sm text-red-700">{details.redis_error}</p> : null}
        {!details.redis && !details.redis_error ? <p className="text-sm text-slate-500">Redis is not configured.</p> : null}
      </section>
    </div>
  );
}
