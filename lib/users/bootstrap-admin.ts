import "server-only";

import { randomBytes } from "node:crypto";

import { hashPassword } from "@/lib/auth/password";
import type { Database } from "@/lib/db/client";
import { findUserByEmail, hasAdmin, updateUserCredentials } from "@/lib/db/queries/users";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";

import { createUser } from "./create-user";

const generatedAdminEmail = "admin@session-console.local";

/**
 * Creates the first admin when the database has none: from ADMIN_EMAIL / ADMIN_PASSWORD when set,
 * otherwise with a generated password. Callers hold the start-up lock, so two instances starting
 * at once cannot both create one.
 */
export async function ensureAdminExists(db: Database): Promise<void> {
  if (await hasAdmin(db)) {
    return;
  }

  const env = getEnv();
  if (env.ADMIN_EMAIL && env.ADMIN_PASSWORD) {
    const existing = await findUserByEmail(db, env.ADMIN_EMAIL);
    if (existing) {
      await updateUserCredentials(db, {
        email: env.ADMIN_EMAIL,
        role: "admin",
        passwordHash: await hashPassword(env.ADMIN_PASSWORD),
      });
      logger.info("promoted the ADMIN_EMAIL account to admin", { user_id: existing.id });
    } else {
      const admin = await createUser(db, { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD, role: "admin" });
      logger.info("created the admin account from ADMIN_EMAIL", { user_id: admin.id });
    }
    return;
  }

  const password = randomBytes(12).toString("base64url");
  const admin = await createUser(db, { email: generatedAdminEmail, password, name: "Administrator", role: "admin" });

  // The one place a password reaches the log, on purpose: without it a first-time user could not
  // sign in. It is printed once, when the account is created, and never again.
  process.stdout.write(
    [
      "",
      "  Session Console created its first admin account:",
      `    email:    ${admin.email}`,
      `    password: ${password}`,
      "  Set ADMIN_EMAIL and ADMIN_PASSWORD to choose your own, or run `npm run user:add`.",
      "",
      "",
    ].join("\n"),
  );
}
