import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import postgres from "postgres";

import { connectPostgres, openPglite, type DatabaseConnection } from "@/lib/db/client";

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const MIGRATIONS = path.join(process.cwd(), "drizzle");

export interface TestDatabase {
  url: string;
  connection: DatabaseConnection;
  drop(): Promise<void>;
}

function urlForDatabase(name: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates a fresh, migrated PostgreSQL database on the local server; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sc_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);

  const url = urlForDatabase(name);
  const connection = connectPostgres(url);
  await connection.applyMigrations(MIGRATIONS);

  return {
    url,
    connection,
    async drop() {
      await connection.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Creates a migrated PGlite database in a temporary directory. */
export async function createTestPglite(): Promise<{ dataDir: string; connection: DatabaseConnection; drop(): Promise<void> }> {
  const parent = mkdtempSync(path.join(tmpdir(), "sc-pglite-"));
  const dataDir = path.join(parent, "db");
  const connection = openPglite(dataDir);
  await connection.applyMigrations(MIGRATIONS);
  return {
    dataDir,
    connection,
    async drop() {
      await connection.close();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

/** Reserves a temporary path where a server process creates its own PGlite database. */
export function createPgliteDirectory(): { dataDir: string; remove(): void } {
  const parent = mkdtempSync(path.join(tmpdir(), "sc-pglite-"));
  return { dataDir: path.join(parent, "db"), remove: () => rmSync(parent, { recursive: true, force: true }) };
}
