"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { sendJson } from "@/lib/swr/fetcher";

import { ConfirmDialog } from "../confirm-dialog";

/** Signs out every other session of the signed-in user, after a confirmation. */
export function SignOutOthersButton({ otherCount }: { otherCount: number }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  async function confirm() {
    setBusy(true);
    try {
      const result = await sendJson<{ sessions: number }>("/api/account/sessions/revoke-others", "POST");
      setMessage(`Signed out ${result.sessions} other sessions.`);
      setOpen(false);
      router.refresh();
    } catch (caught) {
      setMessage(caught instanceof Error ? caught.message : "The sign-out failed.");
      setOpen(false);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex items-center gap-3">
      <button
        type="button"
        onClick={() => setOpen(true)}
        disabled={otherCount === 0}
        data-testid="sign-out-others"
        className="rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 disabled:cursor-not-allowed disabled:opacity-50"
      >
        Sign out all other sessions
      </button>
      {message ? (
        <span role="status" className="text-sm text-slate-700">
          {message}
        </span>
      ) : null}
      <ConfirmDialog
        open={open}
        title="Sign out your other sessions?"
        confirmLabel="Sign out others"
        busy={busy}
        onConfirm={() => void confirm()}
        onCancel={() => setOpen(false)}
      >
        <p>Every device where you are signed in, except this one, is signed out on its next request.</p>
      </ConfirmDialog>
    </div>
  );
}
