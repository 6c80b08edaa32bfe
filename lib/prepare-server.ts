import { getEnv } from "@/lib/env";
import { startHistoryTimer } from "@/lib/history/history-timer";
import { logger } from "@/lib/logger";
import { getSessionManager } from "@/lib/sessions";
import { ensureStarted } from "@/lib/startup";
import { describeError } from "@/lib/util/describe-error";
import { withTimeout } from "@/lib/util/timeout";

// The server must not hang at start-up on a database that does not answer; requests retry later.
const startupBudgetMs = 30_000;

/** Validates the environment, prepares the database and connects to Redis, once per server start. */
export async function prepareServer(): Promise<void> {
  const env = getEnv();

  try {
    await withTimeout(ensureStarted(), startupBudgetMs, "database start-up");
  } catch (error) {
    logger.error("database not ready at start-up; requests will retry", { error: describeError(error) });
  }

  startHistoryTimer();

  const manager = getSessionManager();
  const redisReady = await manager.isRedisUsable();
  logger.info("session console started", {
    session_store: manager.configured,
    database: env.DATABASE_URL ? "postgres" : `pglite (${env.PGLITE_DATA_DIR})`,
    redis: manager.configured === "redis" ? (redisReady ? "connected" : "unavailable, using PostgreSQL") : "not used",
  });
}
