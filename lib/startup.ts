import "server-only";

import path from "node:path";

import { ensureAuthSecret } from "@/lib/auth/secret";
import { getDatabaseConnection, type Database, type DatabaseConnection } from "@/lib/db/client";
import { logger } from "@/lib/logger";
import { processSingleton } from "@/lib/process-singleton";
import { ensureAdminExists } from "@/lib/users/bootstrap-admin";

// Arbitrary constant shared by every instance of this application; pg_advisory_lock takes a bigint.
const startupLockKey = 0x5e5510c02501n;

export interface StartedApp {
  db: Database;
  authSecret: string;
}

interface StartupState {
  pending?: Promise<StartedApp>;
}

const state = () => processSingleton<StartupState>("startup", () => ({}));

/**
 * Applies migrations, creates the first admin and loads the auth secret under one advisory lock,
 * so instances that start together wait for the first one instead of racing on CREATE TABLE or
 * creating two admins. Returns the auth secret.
 */
export function prepareDatabase(connection: DatabaseConnection): Promise<string> {
  return connection.withAdvisoryLock(startupLockKey, async () => {
    await connection.applyMigrations(path.join(process.cwd(), "drizzle"));
    await ensureAdminExists(connection.db);
    return ensureAuthSecret(connection.db);
  });
}

async function start(): Promise<StartedApp> {
  const connection = getDatabaseConnection();
  const startedAt = Date.now();
  const authSecret = await prepareDatabase(connection);

  logger.info("database ready", { database: connection.kind, duration_ms: Date.now() - startedAt });
  return { db: connection.db, authSecret };
}

/**
 * Applies migrations, creates the first admin and loads the auth secret, once per process.
 * A failure is not cached: the next caller tries again, so a database that comes up late is
 * picked up without a restart.
 */
export function ensureStarted(): Promise<StartedApp> {
  const current = state();
  current.pending ??= start().catch((error: unknown) => {
    current.pending = undefined;
    throw error;
  });
  return current.pending;
}

/** Returns the database after migrations and the first admin are in place. */
export async function getDatabase(): Promise<Database> {
  return (await ensureStarted()).db;
}
