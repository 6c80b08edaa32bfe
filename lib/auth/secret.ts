import "server-only";

import { randomBytes } from "node:crypto";

import { eq } from "drizzle-orm";

import type { Database } from "@/lib/db/client";
import { appSettings } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { ensureStarted } from "@/lib/startup";

const settingKey = "nextauth_secret";

/**
 * Returns the secret that signs and encrypts session cookies: NEXTAUTH_SECRET when set, otherwise
 * one generated on first start and kept in the database, so that every instance and every restart
 * shares it.
 */
export async function ensureAuthSecret(db: Database): Promise<string> {
  const configured = getEnv().NEXTAUTH_SECRET;
  if (configured) {
    return configured;
  }

  const [stored] = await db.select().from(appSettings).where(eq(appSettings.key, settingKey)).limit(1);
  if (stored) {
    return stored.value;
  }

  const generated = randomBytes(32).toString("base64url");
  await db.insert(appSettings).values({ key: settingKey, value: generated }).onConflictDoNothing();
  logger.warn("NEXTAUTH_SECRET is not set; generated one and stored it in the database");

  const [winner] = await db.select().from(appSettings).where(eq(appSettings.key, settingKey)).limit(1);
  return winner.value;
}

/**
 * The session cookie secret for this process. Reads the database only when NEXTAUTH_SECRET is
 * unset, so with the variable set, sessions keep working while PostgreSQL is down.
 */
export async function getAuthSecret(): Promise<string> {
  const configured = getEnv().NEXTAUTH_SECRET;
  if (configured) {
    return configured;
  }
  return (await ensureStarted()).authSecret;
}
