"use client";

import { useDistribution } from "@/lib/swr/use-distribution";

import { ErrorState } from "./notices";
import { formatCount } from "./stat-card";

function Bars({ rows, testId }: { rows: Array<{ label: string; sessions: number }>; testId: string }) {
  const largest = Math.max(1, ...rows.map((row) => row.sessions));
  if (rows.length === 0) {
    return <p className="text-sm text-slate-500">No active sessions.</p>;
  }
  return (
    <ul className="space-y-1.5" data-testid={testId}>
      {rows.slice(0, 10).map((row) => (
        <li key={row.label} className="grid grid-cols-[9rem_1fr_4rem] items-center gap-2 text-sm">
          <span className="truncate text-slate-700">{row.label}</span>
          <span className="h-2 rounded bg-slate-100">
            <span className="block h-2 rounded bg-sky-500" style={{ width: `${(row.sessions / largest) * 100}%` }} />
          </span>
          <span className="text-right tabular-nums text-slate-700">{formatCount(row.sessions)}</span>
        </li>
      ))}
    </ul>
  );
}

/** Active sessions by country and by platform (operating system and device type). */
export function DistributionPanel() {
  const { distribution, error } = useDistribution();

  if (!distribution) {
    return error ? <ErrorState title="Could not load where sessions come from." message={error.message} /> : null;
  }

  return (
    <section className="grid grid-cols-1 gap-4 md:grid-cols-2">
      <div className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="text-base font-semibold">Active sessions by country</h2>
        <p className="mb-3 text-xs text-slate-500">From the hosting platform&apos;s country header at sign-in; &quot;unknown&quot; without one.</p>
        <Bars testId="by-country" rows={distribution.countries.map((row) => ({ label: row.country, sessions: row.sessions }))} />
      </div>
      <div className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="text-base font-semibold">Active sessions by platform</h2>
        <p className="mb-3 text-xs text-slate-500">Operating system and device type, from the user agent.</p>
        <Bars testId="by-platform" rows={distribution.platforms.map((row) => ({ label: `${row.os} · ${row.device_type}`, sessions: row.sessions }))} />
      </div>
    </section>
  );
}
