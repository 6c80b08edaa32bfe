import "server-only";

import { mkdirSync } from "node:fs";
import path from "node:path";

import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

import { getEnv } from "@/lib/env";
import { processSingleton } from "@/lib/process-singleton";

import { lockPgliteDirectory } from "./pglite-lock";
import * as schema from "./schema";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseConnection {
  db: Database;
  kind: "postgres" | "pglite";
  /** Applies the SQL migrations in `folder` that this database has not seen yet. */
  applyMigrations(folder: string): Promise<void>;
  /** Runs `work` while holding a PostgreSQL session-level advisory lock on `lockKey`. */
  withAdvisoryLock<T>(lockKey: bigint, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function connectPostgres(url: string): DatabaseConnection {
  const env = getEnv();
  const client = postgres(url, {
    max: env.DATABASE_POOL_SIZE,
    // postgres.js waits 30 s for a connection by default. A down database must fail fast, so that
    // pages and health checks respond in time.
    connect_timeout: env.DATABASE_CONNECT_TIMEOUT_SECONDS,
    // After failed connections, postgres.js 3.4 waits up to 20 s (growing with each failure)
    // before it connects again, and queries queue behind that wait. Capped at 0.5 s, a request
    // fails within its budget while the database is down and succeeds soon after it returns.
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 0.5),
    idle_timeout: 60,
    onnotice: () => {},
  });

  const db = drizzlePostgres({ client, schema });

  return {
    db: db as unknown as Database,
    kind: "postgres",
    applyMigrations: (folder) => migratePostgres(db, { migrationsFolder: folder }),
    async withAdvisoryLock(lockKey, work) {
      // The lock belongs to one connection, so hold one connection for the whole critical section.
      const reserved = await client.reserve();
      try {
        await reserved`select pg_advisory_lock(${lockKey.toString()}::bigint)`;
        try {
          return await work();
        } finally {
          await reserved`select pg_advisory_unlock(${lockKey.toString()}::bigint)`;
        }
      } finally {
        reserved.release();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

export function openPglite(dataDir: string): DatabaseConnection {
  const inMemory = dataDir.startsWith("memory://");
  const location = inMemory ? dataDir : path.resolve(/*turbopackIgnore: true*/ process.cwd(), dataDir);
  if (!inMemory) {
    mkdirSync(location, { recursive: true });
    lockPgliteDirectory(location);
  }

  // pg_trgm serves the email substring search; PostgreSQL servers have it as a contrib module.
  const client = new PGlite(location, { extensions: { pg_trgm } });
  let lockQueue: Promise<void> = Promise.resolve();

  const db = drizzlePglite({ client, schema });

  return {
    db: db as unknown as Database,
    kind: "pglite",
    applyMigrations: (folder) => migratePglite(db, { migrationsFolder: folder }),
    async withAdvisoryLock(_lockKey, work) {
      // One process owns a PGlite directory, so an in-process queue gives the same exclusion
      // that the advisory lock gives between servers. A session-level advisory lock would not:
      // PGlite has a single session, and the lock is re-entrant within a session.
      const previous = lockQueue;
      let release = () => {};
      lockQueue = new Promise<void>((resolve) => (release = resolve));
      await previous;
      try {
        return await work();
      } finally {
        release();
      }
    },
    close: () => client.close(),
  };
}

/** Returns the process-wide connection: postgres.js when DATABASE_URL is set, embedded PGlite otherwise. */
export function getDatabaseConnection(): DatabaseConnection {
  return processSingleton("database-connection", () => {
    const env = getEnv();
    return env.DATABASE_URL ? connectPostgres(env.DATABASE_URL) : openPglite(env.PGLITE_DATA_DIR);
  });
}
