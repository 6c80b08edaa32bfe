"use client";

import { useState, useSyncExternalStore } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import type { HistoryPoint, HistoryRange } from "@/lib/history/read-history";
import { useSessionHistory } from "@/lib/swr/use-session-history";

import { ErrorState } from "./notices";

const ranges: Array<{ range: HistoryRange; label: string }> = [
  { range: "1h", label: "Last hour" },
  { range: "24h", label: "24 hours" },
  { range: "7d", label: "7 days" },
];

const subscribeNever = () => () => {};

function formatTick(iso: string, range: HistoryRange): string {
  const date = new Date(iso);
  return range === "7d"
    ? date.toLocaleDateString(undefined, { weekday: "short", hour: "2-digit" })
    : date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

function ChartCard({ title, testId, children }: { title: string; testId: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid={testId}>
      <h3 className="mb-2 text-sm font-medium text-slate-600">{title}</h3>
      <div className="h-56">{children}</div>
    </div>
  );
}

/** Active sessions, sign-ins and sign-outs, and creation against destruction, over a chosen range. */
export function HistoryCharts() {
  const [range, setRange] = useState<HistoryRange>("1h");
  const { history, error, loading } = useSessionHistory(range);
  // Charts measure the browser window, so they render after hydration only.
  const hydrated = useSyncExternalStore(subscribeNever, () => true, () => false);

  const points: Array<HistoryPoint & { created: number; ended: number }> = (history?.points ?? []).map((point) => ({
    ...point,
    created: point.sign_ins,
    ended: point.sign_outs + point.revocations + point.expirations,
  }));
  const perUnit = history?.resolution === "hour" ? "per hour" : "per minute";
  const tick = (value: string) => formatTick(value, range);

  return (
    <section className="space-y-4" data-testid="history">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-base font-semibold">History</h2>
        <div className="inline-flex rounded-md border border-slate-300 bg-white p-0.5 text-sm" role="tablist">
          {ranges.map((option) => (
            <button
              key={option.range}
              type="button"
              role="tab"
              aria-selected={range === option.range}
              onClick={() => setRange(option.range)}
              className={range === option.range ? "rounded bg-slate-900 px-3 py-1 text-white" : "rounded px-3 py-1 text-slate-700 hover:bg-slate-100"}
            >
              {option.label}
            </button>
          ))}
        </div>
      </div>

      {error && !history ? <ErrorState title="Could not load the history." message={error.message} /> : null}
      {loading || !hydrated ? (
        <div className="h-56 animate-pulse rounded-lg border border-slate-200 bg-white" data-testid="history-loading" />
      ) : null}
      {history && hydrated ? (
        <div className="grid grid-cols-1 gap-4 xl:grid-cols-3">
          <ChartCard title="Active sessions and users" testId="chart-active">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={points}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                <XAxis dataKey="t" tickFormatter={tick} minTickGap={32} fontSize={11} />
                <YAxis allowDecimals={false} fontSize={11} width={48} />
                <Tooltip labelFormatter={(value) => new Date(String(value)).toLocaleString()} />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                <Line type="monotone" dataKey="active_sessions" name="Active sessions" stroke="#0f172a" dot={false} connectNulls isAnimationActive={false} />
                <Line type="monotone" dataKey="active_users" name="Active users" stroke="#0ea5e9" dot={false} connectNulls isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </ChartCard>
          <ChartCard title={`Sign-ins and sign-outs ${perUnit}`} testId="chart-sign-ins">
            <ResponsiveContainer width="100%" height="100%">
              {/* Sixty one-minute categories in a narrow card: no gap between the pair of bars, or they vanish. */}
              <BarChart data={points} barGap={0} barCategoryGap="10%">
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                <XAxis dataKey="t" tickFormatter={tick} minTickGap={32} fontSize={11} />
                <YAxis allowDecimals={false} fontSize={11} width={48} />
                <Tooltip labelFormatter={(value) => new Date(String(value)).toLocaleString()} />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                <Bar dataKey="sign_ins" name="Sign-ins" fill="#10b981" isAnimationActive={false} />
                <Bar dataKey="sign_outs" name="Sign-outs" fill="#f59e0b" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </ChartCard>
          <ChartCard title={`Sessions created and ended ${perUnit}`} testId="chart-rates">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={points}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                <XAxis dataKey="t" tickFormatter={tick} minTickGap={32} fontSize={11} />
                <YAxis allowDecimals={false} fontSize={11} width={48} />
                <Tooltip labelFormatter={(value) => new Date(String(value)).toLocaleString()} />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                <Line type="monotone" dataKey="created" name="Created" stroke="#10b981" dot={false} isAnimationActive={false} />
                <Line type="monotone" dataKey="ended" name="Ended (signed out, revoked, expired)" stroke="#ef4444" dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </ChartCard>
        </div>
      ) : null}
    </section>
  );
}
