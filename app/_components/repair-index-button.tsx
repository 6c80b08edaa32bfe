"use client";

import { useState } from "react";

import type { IndexRepairReport } from "@/lib/sessions/repair-redis-index";
import { sendJson } from "@/lib/swr/fetcher";

import { ConfirmDialog } from "./confirm-dialog";
import { formatCount } from "./stat-card";

const endpoint = "/api/admin/store-repair";

const planLabels: Array<[keyof IndexRepairReport["plan"], string]> = [
  ["delete_unreadable_records", "Delete values that are not session records"],
  ["remove_orphan_index_entries", "Remove index entries without a record"],
  ["restore_ttls", "Give records without a TTL their expiry"],
  ["check_unindexed_records", "Index again, or delete, records missing from the index"],
  ["rewrite_live_sessions", "Write every live session from PostgreSQL again"],
];

/**
 * Repairs the Redis session index in two steps: a dry run lists what the repair would do, and
 * only the confirmation runs it. `onRepaired` receives a summary, so that the dashboard can show it
 * and count again: the anomaly report, and this button with it, goes away once the index is whole.
 */
export function RepairIndexButton({ onRepaired }: { onRepaired: (summary: string) => void }) {
  const [plan, setPlan] = useState<IndexRepairReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function runDry() {
    setBusy(true);
    setError(null);
    try {
      setPlan(await sendJson<IndexRepairReport>(endpoint, "POST", { dry_run: true }));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "The dry run failed.");
    } finally {
      setBusy(false);
    }
  }

  async function confirm() {
    setBusy(true);
    try {
      const report = await sendJson<IndexRepairReport>(endpoint, "POST", { dry_run: false });
      const done = report.done!;
      const fixed = done.deleted_unreadable_records + done.removed_orphan_index_entries + done.restored_ttls + done.deleted_unknown_records;
      const keys = `${formatCount(fixed)} ${fixed === 1 ? "key" : "keys"}`;
      const sessions = `${formatCount(done.rewritten_sessions)} ${done.rewritten_sessions === 1 ? "session" : "sessions"}`;
      onRepaired(`Repaired ${keys} and rewrote ${sessions} from PostgreSQL.`);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "The repair failed.");
    } finally {
      setPlan(null);
      setBusy(false);
    }
  }

  return (
    <div className="mt-3 flex flex-wrap items-center gap-3">
      <button
        type="button"
        onClick={() => void runDry()}
        disabled={busy}
        data-testid="repair-index"
        className="rounded-md border border-amber-400 bg-white px-3 py-1.5 text-sm font-medium text-amber-900 hover:bg-amber-100 disabled:opacity-60"
      >
        Repair the index…
      </button>
      {error ? (
        <span role="alert" data-testid="repair-error" className="text-sm text-red-700">
          {error}
        </span>
      ) : null}
      <ConfirmDialog
        open={plan !== null}
        title="Repair the Redis session index"
        confirmLabel="Repair now"
        busy={busy}
        onConfirm={() => void confirm()}
        onCancel={() => setPlan(null)}
      >
        <p>The dry run found this to do. Valid sessions stay signed in; PostgreSQL is the reference.</p>
        <ul className="mt-2 space-y-1" data-testid="repair-plan">
          {plan
            ? planLabels.map(([field, label]) => (
                <li key={field}>
                  {label}: <span className="font-semibold tabular-nums">{formatCount(plan.plan[field])}</span>
                </li>
              ))
            : null}
        </ul>
      </ConfirmDialog>
    </div>
  );
}
