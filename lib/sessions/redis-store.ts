import "server-only";

import type Redis from "ioredis";

import { logger } from "@/lib/logger";
import { assertRedisConnected } from "@/lib/redis/client";
import { describeError } from "@/lib/util/describe-error";

import { checkRedisIntegrity, pendingIntegrityReport, type IntegrityReport } from "./redis-integrity";
import { RedisKeyLayout, SHARD_COUNT } from "./redis-keys";
import {
  parseSessionRecord,
  withSessionScripts,
  type SessionRecord,
  type SessionScriptClient,
  type SessionScriptPipeline,
} from "./redis-scripts";
import type {
  NewSession,
  SessionCounts,
  SessionStore,
  SessionTarget,
  SessionTimes,
  StoreCheck,
  ValidatedSession,
} from "./types";
import type { UserRole } from "@/lib/db/schema";

export interface RedisStoreOptions {
  keyPrefix: string;
  /** How often the background integrity check may run. */
  integrityIntervalMs: number;
  /** How often expired index entries are removed. */
  cleanupIntervalMs?: number;
}

// Bounded so that one cleanup script call keeps Redis busy for well under a millisecond or two.
const cleanupBatchSize = 500;
const cleanupMaxBatchesPerShard = 100;

/** The Redis implementation of SessionStore; key layout in redis-keys.ts, scripts in redis-scripts.ts. */
export class RedisSessionStore implements SessionStore {
  readonly kind = "redis" as const;
  readonly layout: RedisKeyLayout;
  private readonly client: SessionScriptClient;
  private integrity: IntegrityReport = pendingIntegrityReport();
  private integrityRun: Promise<void> | null = null;
  private integrityCheckedAt = 0;
  private cleanupRun: Promise<void> | null = null;
  private cleanedAt = 0;

  constructor(
    redis: Redis,
    private readonly options: RedisStoreOptions,
  ) {
    this.client = withSessionScripts(redis);
    this.layout = new RedisKeyLayout(options.keyPrefix);
  }

  /** Returns the client after checking that it is connected, so a command on a down connection fails at once. */
  private get redis(): SessionScriptClient {
    assertRedisConnected(this.client);
    return this.client;
  }

  async create(session: NewSession, times?: SessionTimes): Promise<SessionTimes> {
    const keys = this.layout.sessionKeys(session.tokenHash, session.userId);
    const reply = await this.redis.sessionCreate(
      ...keys,
      session.tokenHash,
      session.userId,
      session.role,
      String(times?.createdAt.getTime() ?? 0),
      String(times?.absoluteExpiresAt.getTime() ?? 0),
      String(session.idleTimeoutSeconds),
      String(times?.lastSeenAt.getTime() ?? 0),
      String(session.maxAgeSeconds),
    );

    return {
      createdAt: new Date(Number(reply[1])),
      absoluteExpiresAt: new Date(Number(reply[2])),
      lastSeenAt: new Date(Number(reply[3])),
      expiresAt: new Date(Number(reply[4])),
    };
  }

  async validate(target: SessionTarget, touchIntervalSeconds: number): Promise<ValidatedSession | null> {
    const keys = this.layout.sessionKeys(target.tokenHash, target.userId);
    const reply = await this.redis.sessionValidate(
      ...keys,
      target.tokenHash,
      target.userId,
      String(touchIntervalSeconds * 1000),
    );

    const outcome = Number(reply[0]);
    if (outcome < 0) {
      // Not a session record: never accepted, and reported by the integrity check.
      logger.warn("session key contains a value that is not a session record", {
        user_id: target.userId,
        problem: outcome === -1 ? "unreadable value" : "wrong type",
      });
      return null;
    }
    if (outcome === 0) {
      return null;
    }

    return {
      tokenHash: target.tokenHash,
      userId: target.userId,
      role: reply[1] as UserRole,
      createdAt: new Date(Number(reply[2])),
      absoluteExpiresAt: new Date(Number(reply[3])),
      lastSeenAt: new Date(Number(reply[4])),
      expiresAt: new Date(Number(reply[5])),
      touched: Number(reply[6]) === 1,
    };
  }

  async revoke(target: SessionTarget): Promise<boolean> {
    const keys = this.layout.sessionKeys(target.tokenHash, target.userId);
    return (await this.redis.sessionRevoke(...keys, target.tokenHash, target.userId)) === 1;
  }

  /** Ends many sessions in one pipelined round trip; returns, per target, whether a record was deleted. */
  async revokeMany(targets: SessionTarget[]): Promise<boolean[]> {
    if (targets.length === 0) return [];

    const pipeline = this.redis.pipeline() as SessionScriptPipeline;
    for (const target of targets) {
      pipeline.sessionRevoke(...this.layout.sessionKeys(target.tokenHash, target.userId), target.tokenHash, target.userId);
    }
    return ((await pipeline.exec()) ?? []).map(([error, deleted]) => {
      if (error) throw error;
      return Number(deleted) === 1;
    });
  }

  /**
   * Reads the current times of many sessions in one pipelined round trip, for lists that come from
   * PostgreSQL. A missing or unreadable record maps to null: the session no longer validates.
   */
  async readRecords(targets: SessionTarget[]): Promise<Map<string, SessionRecord | null>> {
    const records = new Map<string, SessionRecord | null>();
    if (targets.length === 0) return records;

    const pipeline = this.redis.pipeline();
    for (const target of targets) {
      pipeline.get(this.layout.sessionKeys(target.tokenHash, target.userId)[0]);
    }
    const replies = (await pipeline.exec()) ?? [];
    targets.forEach((target, index) => {
      const value = replies[index]?.[1];
      records.set(target.tokenHash, typeof value === "string" ? parseSessionRecord(value) : null);
    });
    return records;
  }

  /** Counts every shard in one pipelined round trip, then leaves out what the integrity check flagged. */
  async countSessions(): Promise<SessionCounts> {
    const pipeline = this.redis.pipeline() as SessionScriptPipeline;
    for (let shard = 0; shard < SHARD_COUNT; shard += 1) {
      const keys = this.layout.shard(shard);
      pipeline.sessionCount(keys.expiryIndex, keys.userIndex);
    }
    const replies = (await pipeline.exec()) ?? [];

    let now = 0;
    let total = 0;
    let active = 0;
    let activeUsers = 0;
    for (const [error, reply] of replies) {
      if (error) throw error;
      const [shardNow, shardTotal, shardActive, shardUsers] = (reply as Array<string | number>).map(Number);
      now = Math.max(now, shardNow);
      total += shardTotal;
      active += shardActive;
      activeUsers += shardUsers;
    }
    let expired = total - active;

    // NOTE: activeUsers comes from the users index. It still counts a user whose only live sessions
    // are flagged below, because correcting it needs the owner of each flagged entry.
    for (const anomaly of this.integrity.indexedAnomalies.values()) {
      const live = anomaly.score > now;
      if (anomaly.kind === "orphan" && !live) {
        // An entry whose record is gone and whose time has passed is an ordinary expired entry.
        continue;
      }
      total -= 1;
      if (live) active -= 1;
      else expired -= 1;
    }

    this.scheduleMaintenance();
    return {
      total: Math.max(total, 0),
      active: Math.max(active, 0),
      expired: Math.max(expired, 0),
      revoked: null,
      activeUsers,
      measuredAt: new Date(now),
      anomalies: { ...this.integrity.anomalies },
    };
  }

  async checkHealth(): Promise<StoreCheck> {
    const startedAt = performance.now();
    await this.redis.ping();
    return { status: "up", latency_ms: Math.round((performance.now() - startedAt) * 100) / 100, error: null };
  }

  /** Runs the integrity check now and keeps its result for the following counts. */
  async refreshIntegrity(): Promise<IntegrityReport> {
    this.integrityRun ??= checkRedisIntegrity(this.redis, this.layout)
      .then((report) => {
        this.integrity = report;
        if (report.anomalies.status === "found") {
          logger.warn("redis session store contains keys that are not valid sessions", { ...report.anomalies });
        }
      })
      .catch((error: unknown) => {
        this.integrity = {
          ...this.integrity,
          anomalies: { ...this.integrity.anomalies, status: "failed", error: describeError(error) },
        };
        logger.warn("redis integrity check failed", { error: describeError(error) });
      })
      .finally(() => {
        this.integrityCheckedAt = Date.now();
        this.integrityRun = null;
      });
    await this.integrityRun;
    return this.integrity;
  }

  /** Removes expired index entries, in batches of at most cleanupBatchSize per script call. */
  async removeExpiredEntries(): Promise<number> {
    let removed = 0;
    for (let shard = 0; shard < SHARD_COUNT; shard += 1) {
      const keys = this.layout.shard(shard);
      for (let batch = 0; batch < cleanupMaxBatchesPerShard; batch += 1) {
        const [batchRemoved, examined] = (
          await this.redis.sessionCleanup(keys.expiryIndex, keys.userIndex, keys.recordPrefix, String(cleanupBatchSize))
        ).map(Number);
        removed += batchRemoved;
        if (examined < cleanupBatchSize) break;
      }
    }
    return removed;
  }

  private scheduleMaintenance(): void {
    const now = Date.now();
    if (!this.integrityRun && now - this.integrityCheckedAt >= this.options.integrityIntervalMs) {
      void this.refreshIntegrity();
    }

    const cleanupInterval = this.options.cleanupIntervalMs ?? 60_000;
    if (!this.cleanupRun && now - this.cleanedAt >= cleanupInterval) {
      this.cleanedAt = now;
      this.cleanupRun = this.removeExpiredEntries()
        .then((removed) => {
          if (removed > 0) logger.info("removed expired redis session entries", { removed });
        })
        .catch((error: unknown) => logger.warn("redis session cleanup failed", { error: describeError(error) }))
        .finally(() => {
          this.cleanupRun = null;
        });
    }
  }
}
