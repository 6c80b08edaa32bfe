const styles: Record<string, string> = {
  healthy: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  up: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  degraded: "bg-amber-50 text-amber-800 ring-amber-600/20",
  unhealthy: "bg-red-50 text-red-700 ring-red-600/20",
  down: "bg-red-50 text-red-700 ring-red-600/20",
  not_configured: "bg-slate-50 text-slate-600 ring-slate-500/20",
};

const labels: Record<string, string> = {
  healthy: "Healthy",
  degraded: "Degraded",
  unhealthy: "Unhealthy",
  up: "Up",
  down: "Down",
  not_configured: "Not configured",
};

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span
      data-testid={testId}
      data-status={status}
      className={`inline-flex items-center rounded-full px-2.5 py-0.5 text-sm font-medium ring-1 ring-inset ${styles[status] ?? styles.not_configured}`}
    >
      {labels[status] ?? status}
    </span>
  );
}
