import { auditActionLabels } from "@/lib/audit/action-labels";
import type { AuditListItem } from "@/lib/audit/list-audit-events";
import type { AuditAction } from "@/lib/db/schema";

import { LocalTime } from "./local-time";

/** Summarizes in one line what an action applied to. */
function describeTarget(target: Record<string, unknown>): string {
  const parts: string[] = [];
  const filter = target.filter as Record<string, unknown> | undefined;
  if (filter && Object.keys(filter).length > 0) {
    parts.push(`filter ${Object.entries(filter).map(([key, value]) => `${key}=${String(value)}`).join(", ")}`);
  } else if (filter) {
    parts.push("all sessions");
  }
  if (target.except_current) parts.push("except the actor's own");
  const counters = target.counters as string[] | undefined;
  if (counters) {
    const account = typeof target.account === "string" ? target.account : "an unknown account";
    parts.push(counters.includes("account") ? `account ${account}` : `address, last tried ${account}`);
    return parts.join("; ");
  }

  const sessionIds = target.session_ids as string[] | undefined;
  if (sessionIds?.length === 1) parts.push(`session ${sessionIds[0].slice(0, 8)}`);
  const userIds = target.user_ids as string[] | undefined;
  if (userIds?.length === 1 && !filter) parts.push(`user ${userIds[0].slice(0, 8)}`);

  return parts.join("; ") || "—";
}

export function AuditTable({ events }: { events: AuditListItem[] }) {
  if (events.length === 0) {
    return (
      <div data-testid="empty-state" className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-500">
        No audit events match.
      </div>
    );
  }

  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
      <table className="w-full min-w-[56rem] text-left text-sm" data-testid="audit-table">
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-3 py-2 font-medium">Time</th>
            <th className="px-3 py-2 font-medium">Actor</th>
            <th className="px-3 py-2 font-medium">Action</th>
            <th className="px-3 py-2 font-medium">Target</th>
            <th className="px-3 py-2 text-right font-medium">Sessions</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {events.map((event) => (
            <tr key={event.id} data-testid="audit-row" data-action={event.action}>
              <td className="px-3 py-2.5 align-top text-slate-700">
                <LocalTime iso={event.created_at} withDate />
              </td>
              <td className="px-3 py-2.5 align-top">
                <div className="font-medium text-slate-900">{event.actor.email || "unknown client"}</div>
                <div className="font-mono text-xs text-slate-500">{event.actor.ip ?? "—"}</div>
              </td>
              <td className="px-3 py-2.5 align-top text-slate-800">
                {auditActionLabels[event.action as AuditAction] ?? event.action}
              </td>
              <td className="px-3 py-2.5 align-top text-slate-600">{describeTarget(event.target)}</td>
              <td className="px-3 py-2.5 text-right align-top tabular-nums text-slate-800">{event.affected_count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
