import "server-only";

import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { processSingleton } from "@/lib/process-singleton";

import type { SessionManager } from "./session-manager";
import { forgetSessionStatistics } from "./statistics";
import type { StoreAnomalies } from "./types";

/** Findings of an index repair, its plan, and the changes it made. */
export interface IndexRepairReport {
  dry_run: boolean;
  found: Omit<StoreAnomalies, "status" | "checked_at" | "error">;
  plan: {
    delete_unreadable_records: number;
    remove_orphan_index_entries: number;
    restore_ttls: number;
    /** Live sessions in PostgreSQL, each written into Redis again with all its indexes. */
    rewrite_live_sessions: number;
    /** Records no index lists: indexed again when PostgreSQL has them live, deleted otherwise. */
    check_unindexed_records: number;
  };
  done: {
    deleted_unreadable_records: number;
    removed_orphan_index_entries: number;
    restored_ttls: number;
    rewritten_sessions: number;
    deleted_unknown_records: number;
  } | null;
  /** The check after the repair. */
  after: StoreAnomalies | null;
}

function countsOf(anomalies: StoreAnomalies): IndexRepairReport["found"] {
  const { status: _status, checked_at: _checkedAt, error: _error, ...counts } = anomalies;
  return counts;
}

async function runRepair(manager: SessionManager, dryRun: boolean): Promise<IndexRepairReport> {
  const store = manager.redisStore;
  if (!store) {
    throw new AppError("conflict", "The console keeps sessions in PostgreSQL only, so there is no Redis index to repair.");
  }
  if (!(await manager.isRedisUsable())) {
    throw new AppError("store_unavailable", "Redis is unreachable. Repair the index once Redis responds again.");
  }

  const before = await store.findAnomalies();
  const findings = before.findings!;
  const liveSessions = dryRun ? (await manager.database.countSessions()).active : 0;
  const report: IndexRepairReport = {
    dry_run: dryRun,
    found: countsOf(before.anomalies),
    plan: {
      delete_unreadable_records: findings.badRecordKeys.length,
      remove_orphan_index_entries: findings.orphanEntries.length,
      restore_ttls: findings.keysWithoutTtl.length,
      rewrite_live_sessions: liveSessions,
      check_unindexed_records: findings.unindexedRecordKeys.length,
    },
    done: null,
    after: null,
  };
  if (dryRun) return report;

  // Remove what is not a session first. Then PostgreSQL, the store of record, writes each live
  // session back with its indexes, so a record still unindexed after that is unknown to it.
  const fixed = await store.fixAnomalies(findings);
  const rewrite = await manager.rebuildRedisFromDatabase();
  if (!rewrite.complete) {
    throw new AppError("store_unavailable", "PostgreSQL stopped responding during the repair. Run the repair again.");
  }
  const between = await store.findAnomalies();
  const deletedUnknown = await store.deleteRecords(between.findings!.unindexedRecordKeys);
  const after = await store.refreshIntegrity();
  forgetSessionStatistics(manager);

  report.plan.rewrite_live_sessions = rewrite.written;
  report.done = {
    deleted_unreadable_records: fixed.deleted,
    removed_orphan_index_entries: fixed.unindexed,
    restored_ttls: fixed.ttlsRestored,
    rewritten_sessions: rewrite.written,
    deleted_unknown_records: deletedUnknown,
  };
  report.after = after.anomalies;
  logger.warn("repaired the redis session index", { ...report.done });
  return report;
}

/**
 * Checks the Redis session index and, unless `dryRun`, repairs it from PostgreSQL. One repair at a
 * time per process: a second request while one runs gets a conflict, not a second walk.
 */
export async function repairRedisIndex(manager: SessionManager, dryRun: boolean): Promise<IndexRepairReport> {
  const running = processSingleton("redis-index-repair", () => ({ active: false }));
  if (running.active) {
    throw new AppError("conflict", "A repair of the Redis index is already running; wait for it to finish.");
  }

  running.active = true;
  try {
    return await runRepair(manager, dryRun);
  } finally {
    running.active = false;
  }
}
