const styles = {
  active: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  expired: "bg-slate-100 text-slate-600 ring-slate-500/20",
  revoked: "bg-red-50 text-red-700 ring-red-600/20",
} as const;

const labels = { active: "Active", expired: "Expired", revoked: "Signed out" } as const;

export function SessionStatusBadge({ status }: { status: keyof typeof styles }) {
  return (
    <span
      data-status={status}
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${styles[status]}`}
    >
      {labels[status]}
    </span>
  );
}
