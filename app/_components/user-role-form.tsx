"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import type { UserRole } from "@/lib/db/schema";
import { sendJson } from "@/lib/swr/fetcher";

import { ConfirmDialog } from "./confirm-dialog";

const roles: UserRole[] = ["admin", "user"];

function sessionCount(count: number): string {
  return `${count} ${count === 1 ? "session" : "sessions"}`;
}

/**
 * Changes a user's role after a confirmation. The server signs out every session of that user,
 * because a session keeps the role it was signed in with.
 */
export function UserRoleForm({ userId, email, role, isSelf }: { userId: string; email: string; role: UserRole; isSelf: boolean }) {
  const router = useRouter();
  const [selected, setSelected] = useState<UserRole>(role);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "done" | "error"; text: string } | null>(null);

  async function confirm() {
    setBusy(true);
    try {
      const result = await sendJson<{ role: UserRole; signed_out_sessions: number }>(`/api/admin/users/${userId}`, "PATCH", {
        role: selected,
      });
      setMessage({ kind: "done", text: `Role changed to ${result.role}. Signed out ${sessionCount(result.signed_out_sessions)}.` });
      setConfirming(false);
      // Re-renders the page with the new role. After a change of one's own role, the page redirects to sign-in.
      router.refresh();
    } catch (caught) {
      setMessage({ kind: "error", text: caught instanceof Error ? caught.message : "The role change failed." });
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="user-role">
      <div className="flex flex-wrap items-end gap-3 text-sm">
        <label>
          <span className="block text-slate-600">Role</span>
          <select
            value={selected}
            onChange={(event) => {
              setSelected(event.target.value as UserRole);
              setMessage(null);
            }}
            className="mt-1 block rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm focus:border-slate-500 focus:outline-none"
          >
            {roles.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          onClick={() => {
            setMessage(null);
            setConfirming(true);
          }}
          disabled={busy || selected === role}
          className="rounded-md bg-slate-900 px-3 py-1.5 font-medium text-white hover:bg-slate-800 disabled:cursor-not-allowed disabled:opacity-50"
        >
          Change role
        </button>
        {message ? (
          <span
            role={message.kind === "error" ? "alert" : "status"}
            data-testid={message.kind === "error" ? "role-error" : "role-changed"}
            className={message.kind === "done" ? "py-1.5 text-emerald-700" : "py-1.5 text-red-700"}
          >
            {message.text}
          </span>
        ) : null}
      </div>
      <p className="mt-2 text-xs text-slate-500">Changing the role signs out every session of this user.</p>
      <ConfirmDialog
        open={confirming}
        title={`Make ${email} ${selected === "admin" ? "an admin" : "a user"}?`}
        confirmLabel="Change role"
        busy={busy}
        onConfirm={() => void confirm()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Every session of {email} is signed out, because a session keeps the role it was signed in with.
          {isSelf ? " That includes your own session, so you will have to sign in again." : null}
        </p>
      </ConfirmDialog>
    </section>
  );
}
