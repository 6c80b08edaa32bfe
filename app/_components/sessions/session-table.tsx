import Link from "next/link";

import type { SessionListItem } from "@/lib/sessions/list-sessions";

import { LocalTime } from "../local-time";
import { formatDuration } from "./format";
import { SessionStatusBadge } from "./session-status-badge";
import { SignOutSessionButton } from "./sign-out-session-button";

function UserCell({ session }: { session: SessionListItem }) {
  return (
    <td className="px-3 py-2.5 align-top">
      <Link href={`/admin/users/${session.user.id}`} className="font-medium text-slate-900 hover:underline">
        {session.user.email}
      </Link>
      <div className="text-xs text-slate-500">
        {session.user.name ?? "No name"} · {session.user.role}
      </div>
    </td>
  );
}

/**
 * Renders the session table of the admin list, the user page and the account page. DELETE
 * requests go to `actionPath`, and `showUser` adds the user column.
 */
export function SessionTable({
  sessions,
  showUser,
  actionPath,
  emptyMessage,
}: {
  sessions: SessionListItem[];
  showUser: boolean;
  actionPath: string;
  emptyMessage: string;
}) {
  if (sessions.length === 0) {
    return (
      <div data-testid="empty-state" className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-500">
        {emptyMessage}
      </div>
    );
  }

  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
      <table className="w-full min-w-[64rem] text-left text-sm" data-testid="session-table">
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            {showUser ? <th className="px-3 py-2 font-medium">User</th> : null}
            <th className="px-3 py-2 font-medium">Session</th>
            <th className="px-3 py-2 font-medium">Device</th>
            <th className="px-3 py-2 font-medium">Location</th>
            <th className="px-3 py-2 font-medium">Signed in</th>
            <th className="px-3 py-2 font-medium">Last active</th>
            <th className="px-3 py-2 font-medium">Ends</th>
            <th className="px-3 py-2 font-medium">Status</th>
            <th className="px-3 py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {sessions.map((session) => (
            <tr key={session.id} data-testid="session-row" data-session-id={session.id} className={session.is_current ? "bg-sky-50/60" : undefined}>
              {showUser ? <UserCell session={session} /> : null}
              <td className="px-3 py-2.5 align-top">
                <code className="text-xs text-slate-700">{session.short_id}</code>
                {session.is_current ? (
                  <span data-testid="current-session" className="ml-2 rounded-full bg-sky-100 px-2 py-0.5 text-xs font-medium text-sky-800">
                    {showUser ? "This is you" : "This device"}
                  </span>
                ) : null}
              </td>
              <td className="px-3 py-2.5 align-top">
                <div className="text-slate-800">{session.device}</div>
                <div className="text-xs capitalize text-slate-500">{session.device_type ?? "unknown"}</div>
              </td>
              <td className="px-3 py-2.5 align-top">
                <div className="font-mono text-xs text-slate-700">{session.ip ?? "—"}</div>
                <div className="text-xs text-slate-500">{session.country ?? "Country unknown"}</div>
              </td>
              <td className="px-3 py-2.5 align-top text-slate-700">
                <LocalTime iso={session.created_at} withDate />
                <div className="text-xs text-slate-500">{formatDuration(session.duration_seconds)}{session.ended_at ? "" : " so far"}</div>
              </td>
              <td className="px-3 py-2.5 align-top text-slate-700">
                <LocalTime iso={session.last_seen_at} withDate />
              </td>
              <td className="px-3 py-2.5 align-top text-slate-700">
                <LocalTime iso={session.ended_at ?? session.expires_at} withDate />
              </td>
              <td className="px-3 py-2.5 align-top">
                <SessionStatusBadge status={session.status} />
              </td>
              <td className="px-3 py-2.5 text-right align-top">
                {session.status === "active" ? (
                  <SignOutSessionButton
                    basePath={actionPath}
                    sessionId={session.id}
                    description={`${session.user.email}, ${session.device}, ${session.ip ?? "unknown IP"} (session ${session.short_id}).`}
                    isCurrent={session.is_current}
                  />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
