// npm run bench -- [--sizes 10000,100000,1000000] [--reps 30] [--out FILE] [--skip-cluster] [--skip-http] [--skip-naive]
// Measures Session Console against its own Redis, Redis Cluster and PostgreSQL on loopback:
// it starts the Redis servers itself, creates a throwaway PostgreSQL database, loads the sessions,
// measures, prints Markdown tables for BENCHMARKS.md and removes everything it made.

import { existsSync } from "node:fs";
import { parseArgs } from "node:util";

import type { Cluster } from "ioredis";
import Redis from "ioredis";
import { RedisStore } from "connect-redis";
import { sql } from "drizzle-orm";

import { createRedisClient, createRedisCluster, waitForFirstConnection } from "@/lib/redis/client";
import { DatabaseSessionStore } from "@/lib/sessions/database-store";
import { RedisSessionStore } from "@/lib/sessions/redis-store";
import { SessionManager } from "@/lib/sessions/session-manager";
import { hashSessionToken } from "@/lib/sessions/token";

import { createTestDatabase, type TestDatabase } from "../../tests/support/databases";
import { startRedisCluster, type RedisCluster } from "../../tests/support/redis-cluster";
import { startRedisServer, type RedisServer } from "../../tests/support/redis";
import { generateSessions, naiveSession, type GeneratedSession } from "./data";
import { measureCleanup } from "./cleanup";
import { measureHttp, measureThroughput, startBenchServer, type BenchServer } from "./http";
import { insertUsers, loadPostgres, loadRedis } from "./load";
import { measure } from "./measure";
import { measureListing, measurePostgresStatistics, measureRedisStatistics, measureStoreOperations, type Measured } from "./operations";
import { describeMachine, formatMarkdown, writeReport, type Report, type Result } from "./report";

const seed = 20_261_204;
const keyPrefix = "bench";

function parseOptions() {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "10000,100000,1000000" },
      reps: { type: "string", default: "30" },
      out: { type: "string" },
      "skip-cluster": { type: "boolean", default: false },
      "skip-http": { type: "boolean", default: false },
      "skip-naive": { type: "boolean", default: false },
    },
  });
  const sizes = values.sizes.split(",").map((entry) => Number(entry.trim()));
  if (sizes.some((size) => !Number.isSafeInteger(size) || size < 100)) {
    throw new Error(`invalid --sizes ${JSON.stringify(values.sizes)}: expected whole numbers of at least 100, e.g. 10000,100000`);
  }
  const reps = Number(values.reps);
  if (!Number.isSafeInteger(reps) || reps < 20) {
    throw new Error(`invalid --reps ${JSON.stringify(values.reps)}: expected a whole number of at least 20`);
  }
  return { ...values, sizes: [...sizes].sort((a, b) => a - b), reps };
}

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info("memory");
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

function record(results: Result[], store: Result["store"], size: number, measured: Measured) {
  for (const [operation, timing] of Object.entries(measured)) {
    results.push({ store, size, operation, median_ms: timing.median_ms, p95_ms: timing.p95_ms });
    console.log(`  ${store.padEnd(13)} ${String(size).padStart(8)}  ${operation.padEnd(24)} median ${timing.median_ms} ms, p95 ${timing.p95_ms} ms`);
  }
}

async function timeLoad(label: string, count: number, work: () => Promise<unknown>) {
  const startedAt = performance.now();
  await work();
  const seconds = (performance.now() - startedAt) / 1000;
  const rate = Math.round(count / Math.max(seconds, 0.001));
  console.log(`  loaded ${count} into ${label} in ${seconds.toFixed(1)} s (${rate}/s)`);
  return rate;
}

async function main() {
  const options = parseOptions();
  // Bulk loads keep thousands of commands in flight; the request-path timeout would cut them off.
  process.env.REDIS_COMMAND_TIMEOUT_MS = "30000";
  process.env.LOG_LEVEL = "error";
  if (!options["skip-http"] && !existsSync(".next/BUILD_ID")) {
    throw new Error("no production build: run `npm run build` first, or pass --skip-http");
  }

  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const redisServer: RedisServer = await startRedisServer();
    cleanups.push(() => redisServer.stop());
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.drop());
    const db = database.connection.db;

    const redis = createRedisClient(redisServer.url);
    await waitForFirstConnection(redis, 5000);
    cleanups.push(async () => redis.disconnect());
    const redisStore = new RedisSessionStore(redis, { keyPrefix, integrityIntervalMs: Number.POSITIVE_INFINITY, cleanupIntervalMs: Number.POSITIVE_INFINITY });
    const postgresStore = new DatabaseSessionStore(async () => db);
    const manager = new SessionManager({
      configured: "redis",
      database: postgresStore,
      redis: { client: redis, store: redisStore },
      maxAgeSeconds: 8 * 3600,
      idleTimeoutSeconds: 1800,
      touchIntervalSeconds: 60,
      redisTimeoutMs: 30_000,
      redisProbeTimeoutMs: 5000,
      redisRetryIntervalMs: 1000,
    });

    let cluster: RedisCluster | null = null;
    let clusterClient: Cluster | null = null;
    let clusterStore: RedisSessionStore | null = null;
    if (!options["skip-cluster"]) {
      cluster = await startRedisCluster(3);
      const started = cluster;
      cleanups.push(() => started.stop());
      clusterClient = createRedisCluster(cluster.nodes);
      await waitForFirstConnection(clusterClient, 5000);
      const client = clusterClient;
      cleanups.push(async () => client.disconnect());
      clusterStore = new RedisSessionStore(clusterClient, { keyPrefix, integrityIntervalMs: Number.POSITIVE_INFINITY, cleanupIntervalMs: Number.POSITIVE_INFINITY });
    }

    // The naive reference gets a server of its own, so the memory figures do not mix.
    const naiveServer: RedisServer = await startRedisServer();
    cleanups.push(() => naiveServer.stop());
    const naiveClient = new Redis(naiveServer.url);
    cleanups.push(async () => naiveClient.disconnect());
    const naiveStore = new RedisStore({ client: naiveClient, prefix: "sess:" });

    let bench: BenchServer | null = null;
    if (!options["skip-http"]) {
      bench = await startBenchServer({ DATABASE_URL: database.url, REDIS_URL: redisServer.url, REDIS_KEY_PREFIX: keyPrefix });
      const started = bench;
      cleanups.push(() => started.server.stop());
    }

    const [{ now: dbNow, version }] = (await db.execute(sql`select now() as now, current_setting('server_version') as version`)) as unknown as Array<{ now: string; version: string }>;
    const now = new Date(dbNow).getTime();
    const redisVersion = /redis_version:(\S+)/.exec(await redis.info("server"))?.[1] ?? "unknown";
    const report: Report = {
      machine: describeMachine({ redis: redisVersion, postgres: version }),
      date: new Date().toISOString(),
      command: `npm run bench -- --sizes ${options.sizes.join(",")}${options.out ? ` --out ${options.out}` : ""}`,
      results: [],
      memory: [],
      load: [],
      throughput: [],
    };

    // Five sessions per user on average at every size, as in an application whose users sign in
    // on a phone, a laptop and a work computer.
    const userIds: string[] = [];
    const redisBaseline = await usedMemory(redis);
    let naiveBytes = 0;
    let redisHeld = 0;
    let loaded = 0;
    const samples: GeneratedSession[] = [];

    for (const size of options.sizes) {
      console.log(`\n${size} sessions`);
      for (const id of await insertUsers(db, Math.ceil(size / 5) - userIds.length, seed + userIds.length)) userIds.push(id);
      const batch = generateSessions({ from: loaded, to: size, userIds, now, seed });
      loaded = size;
      for (const entry of batch) {
        if (samples.length < 50 && !entry.revoked && entry.times.expiresAt.getTime() > now + 600_000) samples.push(entry);
      }
      const targets = samples.map((entry) => ({ tokenHash: entry.session.tokenHash, userId: entry.session.userId }));

      report.load.push({ store: "postgres", size, sessions_per_second: await timeLoad("PostgreSQL", batch.length, () => loadPostgres(postgresStore, batch)) });
      let held = 0;
      report.load.push({ store: "redis", size, sessions_per_second: await timeLoad("Redis", batch.length, async () => (held = await loadRedis(redisStore, batch, now))) });
      redisHeld += held;
      if (clusterStore) {
        const store = clusterStore;
        report.load.push({ store: "redis-cluster", size, sessions_per_second: await timeLoad("Redis Cluster", batch.length, () => loadRedis(store, batch, now)) });
      }

      // Autovacuum would analyze the grown tables soon; do it now so plans match a settled database.
      await db.execute(sql`analyze sessions`);
      await db.execute(sql`analyze users`);

      const redisBytes = (await usedMemory(redis)) - redisBaseline;
      report.memory.push({ store: "redis", size, bytes_per_session: Math.round(redisBytes / redisHeld) });
      const [sizes] = (await db.execute(
        sql`select pg_table_size('sessions') as table_bytes, pg_indexes_size('sessions') as index_bytes`,
      )) as unknown as Array<{ table_bytes: string; index_bytes: string }>;
      report.memory.push({
        store: "postgres",
        size,
        bytes_per_session: Math.round((Number(sizes.table_bytes) + Number(sizes.index_bytes)) / size),
        table_bytes: Number(sizes.table_bytes),
        index_bytes: Number(sizes.index_bytes),
      });

      record(report.results, "redis", size, await measureRedisStatistics(redisStore, () => redis.ping(), options.reps));
      record(report.results, "redis", size, await measureStoreOperations(redisStore, targets, userIds, options.reps));
      record(report.results, "redis", size, await measureListing(manager, db, size, options.reps));
      record(report.results, "postgres", size, await measurePostgresStatistics(postgresStore, options.reps));
      record(report.results, "postgres", size, await measureStoreOperations(postgresStore, targets, userIds, options.reps));
      if (clusterStore && clusterClient) {
        const store = clusterStore;
        const node = clusterClient.nodes("master")[0];
        record(report.results, "redis-cluster", size, await measureRedisStatistics(store, () => node.ping(), options.reps));
        record(report.results, "redis-cluster", size, {
          validate: await measure((iteration) => store.validate(targets[iteration % targets.length], 60), { warmup: targets.length, reps: options.reps }),
        });
      }
      if (bench) {
        record(report.results, "redis", size, await measureHttp(bench, options.reps));
      }

      if (!options["skip-naive"]) {
        const before = await usedMemory(naiveClient);
        await timeLoad("connect-redis", batch.length, async () => {
          for (let start = 0; start < batch.length; start += 2000) {
            await Promise.all(batch.slice(start, start + 2000).map((entry) => naiveStore.set(hashSessionToken(entry.token), naiveSession(entry) as never)));
          }
        });
        naiveBytes += (await usedMemory(naiveClient)) - before;
        report.memory.push({ store: "connect-redis", size, bytes_per_session: Math.round(naiveBytes / size) });
        record(report.results, "redis", size, {
          "connect-redis-length": await measure(() => naiveStore.length(), { warmup: 1, reps: 20 }),
        });
      }
    }

    if (bench) {
      console.log("\nthroughput, 10 connections, 5 s each");
      report.throughput = await measureThroughput(bench, 5);
      for (const row of report.throughput) console.log(`  ${row.route}: ${row.requests_per_second} requests/s`);
    }

    console.log("\nexpired-entry cleanup");
    record(report.results, "redis", options.sizes[options.sizes.length - 1], await measureCleanup(redisStore, userIds, options.reps));

    console.log(`\n${formatMarkdown(report)}\n`);
    if (options.out) writeReport(options.out, report);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => console.error(`cleanup failed: ${error instanceof Error ? error.message : error}`));
    }
  }
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
