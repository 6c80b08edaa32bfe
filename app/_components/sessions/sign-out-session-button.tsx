"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { sendJson } from "@/lib/swr/fetcher";

import { ConfirmDialog } from "../confirm-dialog";

/** Signs out one session after a confirmation; DELETE `${basePath}/${sessionId}`. */
export function SignOutSessionButton({
  basePath,
  sessionId,
  description,
  isCurrent,
}: {
  basePath: string;
  sessionId: string;
  /** The user and device named in the confirmation, e.g. "alice@example.com, Chrome 131 on Windows". */
  description: string;
  isCurrent: boolean;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function signOut() {
    setBusy(true);
    setError(null);
    try {
      await sendJson(`${basePath}/${sessionId}`, "DELETE");
      setOpen(false);
      if (isCurrent) {
        window.location.assign("/login?signedOut=1");
        return;
      }
      router.refresh();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Sign-out failed.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        data-testid={`sign-out-${sessionId}`}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium text-slate-700 hover:border-red-300 hover:bg-red-50 hover:text-red-700"
      >
        Sign out
      </button>
      <ConfirmDialog
        open={open}
        title="Sign out this session?"
        confirmLabel="Sign out"
        busy={busy}
        onConfirm={() => void signOut()}
        onCancel={() => setOpen(false)}
      >
        <p>{description}</p>
        <p className="mt-2">
          {isCurrent
            ? "This is your own session: you will be signed out too."
            : "Its next request is answered as signed out."}
        </p>
        {error ? <p className="mt-2 text-red-700" role="alert">{error}</p> : null}
      </ConfirmDialog>
    </>
  );
}
