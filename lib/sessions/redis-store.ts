import "server-only";

import { Cluster } from "ioredis";

import type { UserRole } from "@/lib/db/schema";
import { logger } from "@/lib/logger";
import { assertRedisConnected, dataNodes, type RedisClient } from "@/lib/redis/client";
import { RedisClock } from "@/lib/redis/clock";
import { describeError } from "@/lib/util/describe-error";

import { checkRedisIntegrity, initialIntegrityReport, type IntegrityFindings, type IntegrityReport } from "./redis-integrity";
import { CLUSTER_SHARD_COUNT, RedisKeyLayout } from "./redis-keys";
import {
  parseSessionRecord,
  roleLetter,
  withSessionScripts,
  type SessionRecord,
  type SessionScriptClient,
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

export interface RedisStoreOptions {
  keyPrefix: string;
  /** How often the background integrity check may run; 0 turns it off. */
  integrityIntervalMs: number;
  /** How often expired index entries are removed. */
  cleanupIntervalMs?: number;
}

// Bounded so that one cleanup script call keeps Redis busy for a few milliseconds at most, and
// spaced so that requests get Redis between two calls rather than waiting behind a run of them.
const cleanupBatchSize = 500;
const cleanupMaxBatchesPerShard = 100;
const cleanupPauseMs = 10;


/**
 * The Redis implementation of SessionStore; key layout in redis-keys.ts, scripts in
 * redis-scripts.ts. Commands that concern many sessions or shards are issued together and
 * auto-pipelined by ioredis: one round trip to a single server, one per master of a cluster.
 */
export class RedisSessionStore implements SessionStore {
  readonly kind = "redis" as const;
  readonly layout: RedisKeyLayout;
  private readonly client: SessionScriptClient;
  private integrity: IntegrityReport;
  private readonly clock: RedisClock;
  private integrityRun: Promise<void> | null = null;
  private integrityCheckedAt = 0;
  private cleanupRun: Promise<void> | null = null;
  private cleanedAt = 0;

  constructor(
    redis: RedisClient,
    private readonly options: RedisStoreOptions,
  ) {
    this.client = withSessionScripts(redis);
    this.layout = new RedisKeyLayout(options.keyPrefix, redis instanceof Cluster ? CLUSTER_SHARD_COUNT : 1);
    this.integrity = initialIntegrityReport(options.integrityIntervalMs > 0);
    this.clock = new RedisClock(redis);
  }

  /** Returns the client after checking that it is connected, so a command on a down connection fails at once. */
  private get redis(): SessionScriptClient {
    assertRedisConnected(this.client);
    return this.client;
  }

  async create(session: NewSession, times?: SessionTimes): Promise<SessionTimes> {
    const { keys, member, user } = this.layout.session(session.tokenHash, session.userId);
    const reply = await this.redis.sessionCreate(
      ...keys,
      member,
      user,
      roleLetter(session.role),
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
    const { keys, member, user } = this.layout.session(target.tokenHash, target.userId);
    const reply = await this.redis.sessionValidate(...keys, member, user, String(touchIntervalSeconds * 1000));

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
      role: (reply[1] === "a" ? "admin" : "user") as UserRole,
      createdAt: new Date(Number(reply[2])),
      absoluteExpiresAt: new Date(Number(reply[3])),
      lastSeenAt: new Date(Number(reply[4])),
      expiresAt: new Date(Number(reply[5])),
      touched: Number(reply[6]) === 1,
    };
  }

  async revoke(target: SessionTarget): Promise<boolean> {
    const { keys, member, user } = this.layout.session(target.tokenHash, target.userId);
    return (await this.redis.sessionRevoke(...keys, member, user)) === 1;
  }

  /** True when every shard still has its epoch marker, i.e. Redis kept the data written to it. */
  async hasEpochMarkers(): Promise<boolean> {
    const redis = this.redis;
    const found = await Promise.all(this.layout.shards.map((shard) => redis.exists(this.layout.shard(shard).epochMarker)));
    return found.every((count) => count === 1);
  }

  /** Writes every shard's epoch marker, once the shards hold all live sessions again. */
  async writeEpochMarkers(): Promise<void> {
    const redis = this.redis;
    const stamp = new Date().toISOString();
    await Promise.all(this.layout.shards.map((shard) => redis.set(this.layout.shard(shard).epochMarker, stamp)));
  }

  /** Ends many sessions in one round trip per server; returns, per target, whether a record was deleted. */
  async revokeMany(targets: SessionTarget[]): Promise<boolean[]> {
    const redis = this.redis;
    const replies = await Promise.all(
      targets.map((target) => {
        const { keys, member, user } = this.layout.session(target.tokenHash, target.userId);
        return redis.sessionRevoke(...keys, member, user);
      }),
    );
    return replies.map((deleted) => Number(deleted) === 1);
  }

  /**
   * Reads the current times of many sessions in one round trip per server, for lists that come
   * from PostgreSQL. A missing or unreadable record maps to null: the session no longer validates.
   */
  async readRecords(targets: SessionTarget[]): Promise<Map<string, SessionRecord | null>> {
    const redis = this.redis;
    const values = await Promise.all(targets.map((target) => redis.get(this.layout.sessionKeys(target.tokenHash, target.userId)[0])));

    const records = new Map<string, SessionRecord | null>();
    targets.forEach((target, index) => {
      const value = values[index];
      records.set(target.tokenHash, typeof value === "string" ? parseSessionRecord(value) : null);
    });
    return records;
  }

  /**
   * Counts every shard, then leaves out what the integrity check flagged. A single server returns
   * three pipelined commands in one round trip, compared against its own clock (see RedisClock);
   * a cluster runs one count script per shard, one round trip per master.
   */
  async countSessions(): Promise<SessionCounts> {
    const redis = this.redis;
    let replies: Array<Array<string | number>>;
    if (redis instanceof Cluster) {
      replies = await Promise.all(
        this.layout.shards.map((shard) => {
          const keys = this.layout.shard(shard);
          return redis.sessionCount(keys.expiryIndex, keys.userIndex);
        }),
      );
    } else {
      const now = Math.floor(await this.clock.now());
      const { expiryIndex, userIndex } = this.layout.shard(0);
      const [total, active, users] = await Promise.all([
        redis.zcard(expiryIndex),
        redis.zcount(expiryIndex, `(${now}`, "+inf"),
        redis.zcount(userIndex, `(${now}`, "+inf"),
      ]);
      replies = [[now, total, active, users]];
    }

    let now = 0;
    let total = 0;
    let active = 0;
    let activeUsers = 0;
    for (const reply of replies) {
      const [shardNow, shardTotal, shardActive, shardUsers] = reply.map(Number);
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

  /**
   * Pings every server that stores data, and reaches the server of every shard. On a cluster, a
   * master that stopped fails the second part even before the other nodes notice.
   */
  async checkHealth(): Promise<StoreCheck> {
    const redis = this.redis;
    const startedAt = performance.now();
    await Promise.all([
      ...dataNodes(redis).map((node) => node.ping()),
      ...this.layout.shards.map((shard) => redis.exists(this.layout.shard(shard).expiryIndex)),
    ]);
    return { status: "up", latency_ms: Math.round((performance.now() - startedAt) * 100) / 100, error: null };
  }

  /** Runs the integrity check and lists the keys behind each anomaly, for a repair. */
  async findAnomalies(): Promise<IntegrityReport> {
    return checkRedisIntegrity(this.redis, this.layout, { gatherFindings: true });
  }

  /**
   * Fixes what a check found without touching valid sessions: deletes values that are not
   * session records and their index entries, drops index entries whose record is gone, and gives
   * records without a TTL the expiry of their index entry or their own times. Returns the changes.
   */
  async fixAnomalies(findings: IntegrityFindings): Promise<{ deleted: number; unindexed: number; ttlsRestored: number }> {
    const redis = this.redis;
    const now = await this.clock.now();

    const badKeys = new Set(findings.badRecordKeys.map(({ key }) => key));
    const deletions = await Promise.all(
      findings.badRecordKeys.map(async ({ key, shard, member }) => {
        const [deleted] = await Promise.all([redis.del(key), redis.zrem(this.layout.shard(shard).expiryIndex, member)]);
        return deleted;
      }),
    );
    const unindexed = await Promise.all(
      findings.orphanEntries.map(({ shard, member }) => redis.zrem(this.layout.shard(shard).expiryIndex, member)),
    );

    const restored = await Promise.all(
      findings.keysWithoutTtl
        .filter(({ key }) => !badKeys.has(key))
        .map(async ({ key, score }) => {
          const value = score === null ? await redis.get(key) : null;
          const expiresAt = score ?? (value === null ? null : parseSessionRecord(value)?.expiresAt) ?? now;
          // PEXPIREAT with a time already past deletes the key, which is right for an expired record.
          return redis.pexpireat(key, Math.max(expiresAt, now));
        }),
    );

    const sum = (values: number[]) => values.reduce((total, value) => total + Number(value), 0);
    return { deleted: sum(deletions), unindexed: sum(unindexed), ttlsRestored: sum(restored) };
  }

  /** Deletes records that no index lists, once PostgreSQL has rewritten every live session. */
  async deleteRecords(keys: string[]): Promise<number> {
    const redis = this.redis;
    const deleted = await Promise.all(keys.map((key) => redis.del(key)));
    return deleted.reduce((total, count) => total + count, 0);
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

  /**
   * Removes expired index entries, in batches of at most cleanupBatchSize per script call so that
   * no call keeps Redis busy for long. `onBatch` receives each call's round-trip time.
   */
  async removeExpiredEntries(onBatch?: (milliseconds: number, examined: number) => void): Promise<number> {
    const redis = this.redis;
    let removed = 0;
    for (const shard of this.layout.shards) {
      const keys = this.layout.shard(shard);
      for (let batch = 0; batch < cleanupMaxBatchesPerShard; batch += 1) {
        const startedAt = performance.now();
        const reply = await redis.sessionCleanup(keys.expiryIndex, keys.userIndex, keys.recordPrefix, String(cleanupBatchSize));
        const [batchRemoved, examined] = reply.map(Number);
        onBatch?.(performance.now() - startedAt, examined);
        removed += batchRemoved;
        if (examined < cleanupBatchSize) break;
        await new Promise((resolve) => setTimeout(resolve, cleanupPauseMs));
      }
    }
    return removed;
  }

  private scheduleMaintenance(): void {
    const now = Date.now();
    const integrityInterval = this.options.integrityIntervalMs;
    if (integrityInterval > 0 && !this.integrityRun && now - this.integrityCheckedAt >= integrityInterval) {
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
