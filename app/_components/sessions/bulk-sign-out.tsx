"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import type { SessionFilter } from "@/lib/sessions/list-query";
import { sendJson } from "@/lib/swr/fetcher";

import { ConfirmDialog } from "../confirm-dialog";

interface Counts {
  sessions: number;
  users: number;
}

const endpoint = "/api/admin/sessions/revoke";

/**
 * Signs out many sessions in two steps: a dry run counts what it would end and the dialog shows
 * the count, then only the confirmation signs them out. The admin's own session is always kept.
 */
export function BulkSignOutButton({ filter, label, title }: { filter: SessionFilter; label: string; title: string }) {
  const router = useRouter();
  const [preview, setPreview] = useState<Counts | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "done" | "error"; text: string } | null>(null);
  const body = { filter, except_current: true };

  async function runDry() {
    setBusy(true);
    setMessage(null);
    try {
      setPreview(await sendJson<Counts>(endpoint, "POST", { ...body, dry_run: true }));
    } catch (caught) {
      setMessage({ kind: "error", text: caught instanceof Error ? caught.message : "The dry run failed." });
    } finally {
      setBusy(false);
    }
  }

  async function confirm() {
    setBusy(true);
    try {
      const ended = await sendJson<Counts>(endpoint, "POST", { ...body, dry_run: false });
      setMessage({ kind: "done", text: `Signed out ${ended.sessions} sessions of ${ended.users} users.` });
      setPreview(null);
      router.refresh();
    } catch (caught) {
      setMessage({ kind: "error", text: caught instanceof Error ? caught.message : "The sign-out failed." });
      setPreview(null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex items-center gap-3">
      <button
        type="button"
        onClick={() => void runDry()}
        disabled={busy}
        data-testid={`bulk-${label.toLowerCase().replace(/[^a-z]+/g, "-")}`}
        className="rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 disabled:opacity-60"
      >
        {label}
      </button>
      {message ? (
        <span role="status" data-testid="bulk-result" className={message.kind === "done" ? "text-sm text-emerald-700" : "text-sm text-red-700"}>
          {message.text}
        </span>
      ) : null}
      <ConfirmDialog
        open={preview !== null}
        title={title}
        confirmLabel={preview ? `Sign out ${preview.sessions} sessions` : "Sign out"}
        busy={busy}
        onConfirm={() => void confirm()}
        onCancel={() => setPreview(null)}
      >
        {preview && preview.sessions === 0 ? (
          <p>No live session matches, so nothing would change.</p>
        ) : (
          <p data-testid="dry-run-count">
            This signs out <strong>{preview?.sessions}</strong> live sessions of <strong>{preview?.users}</strong> users.
            Your own session is kept. Each of them is answered as signed out on its next request.
          </p>
        )}
      </ConfirmDialog>
    </div>
  );
}
