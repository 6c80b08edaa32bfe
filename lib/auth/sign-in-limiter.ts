import "server-only";

import { createHash } from "node:crypto";

import { eq, sql } from "drizzle-orm";

import { signInFailures } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import type { SessionManager } from "@/lib/sessions/session-manager";
import { describeError } from "@/lib/util/describe-error";

// Failed sign-ins allowed per window before further attempts are refused until it ends: few per
// account (guessing one password), more per address (several people behind one NAT).
export const SIGN_IN_LIMITS = { account: 5, ip: 20, windowSeconds: 15 * 60 } as const;

export interface Subject {
  email: string;
  ip: string | null;
}

type Counter = "account" | "ip";

function counterKeys(subject: Subject): Array<{ counter: Counter; key: string }> {
  // The email is hashed so that the counters do not store who tried which address.
  const account = createHash("sha256").update(subject.email.trim().toLowerCase()).digest("base64url").slice(0, 22);
  const keys: Array<{ counter: Counter; key: string }> = [{ counter: "account", key: `account:${account}` }];
  if (subject.ip) keys.push({ counter: "ip", key: `ip:${subject.ip}` });
  return keys;
}

function redisKey(key: string): string {
  return `{${getEnv().REDIS_KEY_PREFIX}:signin}:${key}`;
}

/** Reads the failures counted for each key in the current window, from Redis or else PostgreSQL. */
async function readFailures(manager: SessionManager, keys: string[]): Promise<number[]> {
  const fromRedis = await manager.tryRedis("read sign-in failures", async () => {
    const client = manager.redisClientForReports()!;
    return Promise.all(keys.map(async (key) => Number((await client.get(redisKey(key))) ?? 0)));
  });
  if (fromRedis.ok) return fromRedis.value;

  const db = await manager.database.database();
  return Promise.all(
    keys.map(async (key) => {
      const [row] = await db
        .select({
          failures: sql<number>`case when ${signInFailures.windowStartedAt} > now() - make_interval(secs => ${SIGN_IN_LIMITS.windowSeconds}) then ${signInFailures.failures} else 0 end`,
        })
        .from(signInFailures)
        .where(eq(signInFailures.key, key));
      return row?.failures ?? 0;
    }),
  );
}

/** Adds one failure to each key and returns the new counts. */
async function addFailure(manager: SessionManager, keys: string[]): Promise<number[]> {
  const windowMs = SIGN_IN_LIMITS.windowSeconds * 1000;
  const inRedis = await manager.tryRedis("count sign-in failure", async () => {
    const client = manager.redisClientForReports()!;
    return Promise.all(
      keys.map(async (key) => {
        const count = await client.incr(redisKey(key));
        // The window starts with the first failure; later failures do not extend it.
        if (count === 1) await client.pexpire(redisKey(key), windowMs);
        return count;
      }),
    );
  });
  if (inRedis.ok) return inRedis.value;

  const db = await manager.database.database();
  const windowStart = sql`now() - make_interval(secs => ${SIGN_IN_LIMITS.windowSeconds})`;
  return Promise.all(
    keys.map(async (key) => {
      const [row] = await db
        .insert(signInFailures)
        .values({ key, windowStartedAt: sql`now()`, failures: 1 })
        .onConflictDoUpdate({
          target: signInFailures.key,
          set: {
            failures: sql`case when ${signInFailures.windowStartedAt} <= ${windowStart} then 1 else ${signInFailures.failures} + 1 end`,
            windowStartedAt: sql`case when ${signInFailures.windowStartedAt} <= ${windowStart} then now() else ${signInFailures.windowStartedAt} end`,
          },
        })
        .returning({ failures: signInFailures.failures });
      return row.failures;
    }),
  );
}

/** True when the account or the address has used up its failures for the current window. */
export async function isSignInLocked(manager: SessionManager, subject: Subject): Promise<boolean> {
  const keys = counterKeys(subject);
  try {
    const failures = await readFailures(manager, keys.map((entry) => entry.key));
    return keys.some((entry, index) => failures[index] >= SIGN_IN_LIMITS[entry.counter]);
  } catch (error) {
    // Neither store responds, so the sign-in fails anyway when it tries to create the session.
    logger.warn("could not read sign-in failures", { error: describeError(error) });
    return false;
  }
}

/**
 * Counts a failed sign-in. Returns which counters reached their limit with this failure, so the
 * caller can log and audit the lockout once.
 */
export async function recordSignInFailure(manager: SessionManager, subject: Subject): Promise<Counter[]> {
  const keys = counterKeys(subject);
  try {
    const failures = await addFailure(manager, keys.map((entry) => entry.key));
    return keys.filter((entry, index) => failures[index] === SIGN_IN_LIMITS[entry.counter]).map((entry) => entry.counter);
  } catch (error) {
    logger.warn("could not count a failed sign-in", { error: describeError(error) });
    return [];
  }
}

/** Clears an account's failures after a successful sign-in; the address keeps its count. */
export async function clearAccountFailures(manager: SessionManager, email: string): Promise<void> {
  const [account] = counterKeys({ email, ip: null });
  await manager.tryRedis("clear sign-in failures", async () => manager.redisClientForReports()!.del(redisKey(account.key)));
  try {
    const db = await manager.database.database();
    await db.delete(signInFailures).where(eq(signInFailures.key, account.key));
  } catch (error) {
    logger.warn("could not clear sign-in failures", { error: describeError(error) });
  }
}
