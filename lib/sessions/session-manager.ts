import "server-only";

import { randomUUID } from "node:crypto";

import { ReplyError } from "ioredis";

import type { UserRole } from "@/lib/db/schema";
import { AppError } from "@/lib/errors";
import { logger, throttledLog } from "@/lib/logger";
import { getMetrics } from "@/lib/metrics/registry";
import { recordStoreLatency } from "@/lib/metrics/store-latency";
import { RedisAvailability } from "@/lib/redis/availability";
import { assertRedisConnected, dataNodes, waitForFirstConnection, type RedisClient } from "@/lib/redis/client";
import { describeError } from "@/lib/util/describe-error";
import { withTimeout } from "@/lib/util/timeout";

import type { DatabaseSessionStore, UnsyncedSession } from "./database-store";
import type { RedisSessionStore } from "./redis-store";
import { generateSessionToken, hashSessionToken } from "./token";
import type { NewSession, SessionTarget, SessionTimes, StoreKind, ValidatedSession } from "./types";

export interface SessionManagerOptions {
  configured: StoreKind;
  database: DatabaseSessionStore;
  /** Present when the configured store is Redis. */
  redis: { store: RedisSessionStore; client: RedisClient } | null;
  maxAgeSeconds: number;
  idleTimeoutSeconds: number;
  /** A session's idle expiry slides at most this often. */
  touchIntervalSeconds: number;
  /** Upper bound for one Redis call, on top of ioredis's own command timeout. */
  redisTimeoutMs: number;
  /** Upper bound for connecting plus PING when checking whether Redis is back. */
  redisProbeTimeoutMs: number;
  redisRetryIntervalMs: number;
}

export interface CreatedSession {
  /** The secret token; goes into the encrypted session cookie and nowhere else. */
  token: string;
  id: string;
  times: SessionTimes;
  /** The store that contains the session. "database" in Redis mode means it was written during an outage. */
  store: StoreKind;
}

export interface NewSessionInput {
  userId: string;
  role: UserRole;
  ip: string | null;
  userAgent: string | null;
  country?: string | null;
  maxAgeSeconds?: number;
  idleTimeoutSeconds?: number;
}

type RedisAttempt<T> = { ok: true; value: T } | { ok: false };

const replayBatchSize = 200;
const rebuildBatchSize = 1000;
const replayMaxBatches = 10_000;
const logBackupFailure = throttledLog("error", 30_000);
const logRepairFailure = throttledLog("warn", 30_000);

export class StoreUnavailableError extends AppError {
  constructor(detail: string) {
    super("store_unavailable", `The session store is unavailable: ${detail}`);
  }
}

/**
 * The one place that decides which store serves a session operation. In Redis mode every write
 * also goes to PostgreSQL, the backup copy. When Redis fails, PostgreSQL serves alone and marks
 * what Redis missed, and RedisAvailability replays it before Redis is used again.
 */
export class SessionManager {
  readonly configured: StoreKind;
  readonly database: DatabaseSessionStore;
  readonly redisStore: RedisSessionStore | null;
  readonly availability: RedisAvailability;
  private readonly redisClient: RedisClient | null;

  constructor(private readonly options: SessionManagerOptions) {
    this.configured = options.configured;
    this.database = options.database;
    this.redisStore = options.redis?.store ?? null;
    this.redisClient = options.redis?.client ?? null;
    this.availability = new RedisAvailability({
      probe: () => this.probeRedis(),
      replay: () => this.bringRedisUpToDate(),
      verify: () => this.verifyRedisKeptData(),
      retryIntervalMs: options.redisRetryIntervalMs,
    });
    // A Redis without persistence comes back empty after a restart, and ioredis reconnects
    // silently. Marking Redis down when a connection closes makes the next use check the epoch
    // markers and rebuild Redis from PostgreSQL, instead of signing out every session it lost.
    // NOTE: a Cluster emits "close" only after losing every node. A single master that restarts
    // between requests is noticed by the background epoch check (at most every 30 s), and its
    // sessions are rejected until then.
    this.redisClient?.on("close", () => this.availability.reportConnectionLost());
  }

  async createSession(input: NewSessionInput): Promise<CreatedSession> {
    const startedAt = performance.now();
    const created = await this.createInStores(input);
    recordStoreLatency("create", created.store, performance.now() - startedAt);
    getMetrics().signIns.inc();
    return created;
  }

  private async createInStores(input: NewSessionInput): Promise<CreatedSession> {
    const token = generateSessionToken();
    const session: NewSession = {
      id: randomUUID(),
      tokenHash: hashSessionToken(token),
      userId: input.userId,
      role: input.role,
      ip: input.ip,
      userAgent: input.userAgent,
      country: input.country ?? null,
      maxAgeSeconds: input.maxAgeSeconds ?? this.options.maxAgeSeconds,
      idleTimeoutSeconds: input.idleTimeoutSeconds ?? this.options.idleTimeoutSeconds,
    };
    const created = (times: SessionTimes, store: StoreKind) => ({ token, id: session.id, times, store });

    if (this.configured === "database") {
      return created(await this.onDatabase("create a session", () => this.database.create(session)), "database");
    }
    if (!(await this.isRedisUsable())) {
      const times = await this.onDatabase("create a session", () =>
        this.database.create(session, undefined, { redisSynced: false }),
      );
      return created(times, "database");
    }

    // The backup row goes first: it is the store of record for listings, and its clock sets the times.
    let backupTimes: SessionTimes | undefined;
    try {
      backupTimes = await this.database.create(session);
    } catch (error) {
      // NOTE: a session created while PostgreSQL is down exists in Redis only; it is not copied
      // to PostgreSQL when the database returns.
      logBackupFailure("session backup copy not written to PostgreSQL", { session_id: session.id, error });
    }

    const written = await this.tryRedis("create", (store) => store.create(session, backupTimes));
    if (written.ok) {
      return created(written.value, "redis");
    }
    if (!backupTimes) {
      throw new StoreUnavailableError("neither Redis nor PostgreSQL accepted the new session");
    }

    await this.database.markUnsynced(session.tokenHash).catch((error: unknown) => {
      logger.error("could not mark a session for replay into redis", { session_id: session.id, error });
    });
    return created(backupTimes, "database");
  }

  /**
   * Returns the live session for a token, or null. Slides the idle expiry at most once per touch
   * interval; in Redis mode that is one round trip.
   */
  async validateSession(token: string, userId: string): Promise<ValidatedSession | null> {
    const startedAt = performance.now();
    const { session, store } = await this.validateInStores({ tokenHash: hashSessionToken(token), userId });
    recordStoreLatency("validate", store, performance.now() - startedAt);
    return session;
  }

  private async validateInStores(target: SessionTarget): Promise<{ session: ValidatedSession | null; store: StoreKind }> {
    const touchInterval = this.options.touchIntervalSeconds;

    if (this.configured === "database") {
      const session = await this.onDatabase("validate a session", () => this.database.validate(target, touchInterval));
      return { session, store: "database" };
    }

    const result = await this.tryRedis("validate", (store) => store.validate(target, touchInterval));
    if (result.ok && result.value) {
      if (result.value.touched) {
        this.database.recordTouch(target, result.value).catch((error: unknown) => {
          logBackupFailure("session touch not copied to PostgreSQL", { user_id: target.userId, error });
        });
      }
      return { session: result.value, store: "redis" };
    }
    if (result.ok) {
      return { session: await this.restoreFromOutage(target), store: "redis" };
    }

    const session = await this.onDatabase("validate a session", () =>
      this.database.validate(target, touchInterval, { redisSynced: false }),
    );
    return { session, store: "database" };
  }

  /** Ends a session in every store that has it; true when a live session was ended. */
  async revokeSession(target: SessionTarget, reason: string): Promise<boolean> {
    const startedAt = performance.now();
    const { ended, store } = await this.revokeInStores(target, reason);
    recordStoreLatency("revoke", store, performance.now() - startedAt);
    if (ended) {
      (reason === "sign_out" ? getMetrics().signOuts : getMetrics().revocations).inc();
    }
    return ended;
  }

  private async revokeInStores(target: SessionTarget, reason: string): Promise<{ ended: boolean; store: StoreKind }> {
    if (this.configured === "database") {
      return { ended: await this.onDatabase("revoke a session", () => this.database.revoke(target, reason)), store: "database" };
    }

    const removed = await this.tryRedis("revoke", (store) => store.revoke(target));
    try {
      // The conditional UPDATE decides which of two concurrent revokes ended the session. The
      // copy may trail Redis by a touch, so a record Redis just deleted also counts as live.
      const row = await this.database.revokeRow(target, reason, { redisSynced: removed.ok });
      const ended = row.updated && ((removed.ok && removed.value) || row.liveInCopy);
      return { ended, store: removed.ok ? "redis" : "database" };
    } catch (error) {
      if (!removed.ok) {
        throw new StoreUnavailableError(`neither Redis nor PostgreSQL could revoke the session: ${describeError(error)}`);
      }
      // NOTE: the backup row stays live until it expires; a later fallback to PostgreSQL would
      // accept this session again until then.
      logBackupFailure("session revocation not written to PostgreSQL", { user_id: target.userId, error });
      return { ended: removed.value, store: "redis" };
    }
  }

  /** Returns the Redis client for read-only reports (memory figures); null when Redis is not configured. */
  redisClientForReports(): RedisClient | null {
    return this.redisClient;
  }

  /** True when Redis is configured and should be used now. */
  async isRedisUsable(): Promise<boolean> {
    return this.redisStore !== null && (await this.availability.isUsable());
  }

  /**
   * Runs one Redis operation through the availability tracker. A connection failure or timeout
   * marks Redis down; a reply error (for example OOM) only fails this call.
   */
  async tryRedis<T>(operation: string, run: (store: RedisSessionStore) => Promise<T>): Promise<RedisAttempt<T>> {
    const store = this.redisStore;
    if (!store || !(await this.availability.isUsable())) {
      return { ok: false };
    }

    try {
      return { ok: true, value: await withTimeout(run(store), this.options.redisTimeoutMs, `redis ${operation}`) };
    } catch (error) {
      if (error instanceof ReplyError) {
        logger.error("redis rejected a session command", { operation, error: describeError(error) });
      } else {
        this.availability.reportFailure(error);
      }
      return { ok: false };
    }
  }

  /** Runs a PostgreSQL operation; a failure becomes a 503 with the reason. */
  private async onDatabase<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (AppError.is(error)) throw error;
      logger.error(`could not ${action} in PostgreSQL`, { error: describeError(error) });
      throw new StoreUnavailableError(`PostgreSQL could not ${action} (${describeError(error)})`);
    }
  }

  private async probeRedis(): Promise<void> {
    const client = this.redisClient;
    if (!client) return;

    await withTimeout(
      (async () => {
        await waitForFirstConnection(client, this.options.redisProbeTimeoutMs);
        assertRedisConnected(client);
        await Promise.all(dataNodes(client).map((node) => node.ping()));
      })(),
      this.options.redisProbeTimeoutMs,
      "redis probe",
    );
  }

  /**
   * Copies into Redis a live session that another instance created during an outage and that
   * this instance has not replayed yet, and returns it; null when PostgreSQL has no such session.
   */
  private async restoreFromOutage(target: SessionTarget): Promise<ValidatedSession | null> {
    try {
      const row = await this.database.findUnsyncedLive(target);
      if (!row || !this.redisStore) return null;

      const times = await this.redisStore.create(sessionFromRow(row), row);
      await this.database.markSynced(row);
      return { tokenHash: row.tokenHash, userId: row.userId, role: row.role, ...times, touched: false };
    } catch (error) {
      logRepairFailure("could not check PostgreSQL for a session missing from redis", { user_id: target.userId, error });
      return null;
    }
  }

  /**
   * Brings Redis in line with PostgreSQL before it is used again: a full rebuild when Redis lost
   * its data (no epoch markers: restarted empty, or evicted), then the replay of the changes made
   * during the outage. Redis errors propagate (Redis stays down); PostgreSQL errors return
   * `complete: false` so the work is retried later.
   */
  async bringRedisUpToDate(): Promise<{ complete: boolean }> {
    const store = this.redisStore;
    if (!store) return { complete: true };

    if (!(await store.hasEpochMarkers())) {
      const rebuilt = await this.rebuildRedisFromDatabase();
      if (!rebuilt.complete) return rebuilt;
      await store.writeEpochMarkers();
    }
    return this.replayOutageChanges();
  }

  /** Throws when Redis no longer has its epoch markers, which puts it down until rebuilt. */
  private async verifyRedisKeptData(): Promise<void> {
    if (this.redisStore && !(await this.redisStore.hasEpochMarkers())) {
      throw new Error("Redis lost its session data (restarted empty or evicted keys); rebuilding it from PostgreSQL");
    }
  }

  /**
   * Writes every live session of PostgreSQL into Redis, in batches of one round trip each. The
   * console serves from PostgreSQL meanwhile, so nothing is missed: changes made during the
   * rebuild are marked unsynced and replayed right after it.
   */
  async rebuildRedisFromDatabase(): Promise<{ complete: boolean; written: number }> {
    const store = this.redisStore;
    if (!store) return { complete: true, written: 0 };

    const startedAt = Date.now();
    let afterId: string | null = null;
    let written = 0;
    for (let batch = 0; batch < replayMaxBatches; batch += 1) {
      let rows: UnsyncedSession[];
      try {
        rows = await this.database.listLive(afterId, rebuildBatchSize);
      } catch (error) {
        logger.warn("could not read sessions to rebuild redis", { error: describeError(error) });
        return { complete: false, written };
      }
      if (rows.length === 0) break;

      await Promise.all(rows.map((row) => store.create(sessionFromRow(row), row)));
      written += rows.length;
      afterId = rows[rows.length - 1].id;
    }

    logger.warn("rewrote the live sessions of PostgreSQL into redis", {
      sessions: written,
      duration_ms: Date.now() - startedAt,
    });
    return { complete: true, written };
  }

  /**
   * Copies into Redis every change PostgreSQL received while Redis was down: live sessions are
   * written, revoked and expired ones deleted. Redis errors propagate (Redis stays down);
   * PostgreSQL errors return `complete: false` so the replay is retried later.
   */
  async replayOutageChanges(): Promise<{ complete: boolean }> {
    const store = this.redisStore;
    if (!store) return { complete: true };

    let afterId: string | null = null;
    let replayed = 0;
    for (let batch = 0; batch < replayMaxBatches; batch += 1) {
      let rows: UnsyncedSession[];
      try {
        rows = await this.database.listUnsynced(afterId, replayBatchSize);
      } catch (error) {
        logger.warn("could not read sessions to replay into redis", { error: describeError(error) });
        return { complete: false };
      }
      if (rows.length === 0) break;

      for (const row of rows) {
        if (row.live && !row.revoked) {
          await store.create(sessionFromRow(row), row);
        } else {
          await store.revoke(row);
        }
        await this.database.markSynced(row);
      }
      replayed += rows.length;
      afterId = rows[rows.length - 1].id;
    }

    if (replayed > 0) {
      logger.info("replayed sessions changed during the redis outage", { sessions: replayed });
    }
    return { complete: true };
  }
}

function sessionFromRow(row: UnsyncedSession): NewSession {
  return {
    id: row.id,
    tokenHash: row.tokenHash,
    userId: row.userId,
    role: row.role,
    ip: null,
    userAgent: null,
    // Unused: the replay passes the row's absolute expiry explicitly.
    maxAgeSeconds: 0,
    idleTimeoutSeconds: row.idleTimeoutSeconds,
  };
}
