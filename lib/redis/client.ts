import "server-only";

import Redis from "ioredis";

import { getEnv } from "@/lib/env";
import { throttledLog } from "@/lib/logger";
import { processSingleton } from "@/lib/process-singleton";
import { describeError } from "@/lib/util/describe-error";

const logConnectionError = throttledLog("warn", 30_000);
const lastConnectionErrors = new WeakMap<Redis, string>();

/** Raised instead of sending a command while the connection is down. */
export class RedisNotConnectedError extends Error {
  constructor(detail: string | undefined) {
    super(detail ? `not connected (${detail})` : "not connected");
    this.name = "RedisNotConnectedError";
  }
}

/** Throws RedisNotConnectedError, naming the last connection error, unless the client is ready. */
export function assertRedisConnected(client: Redis): void {
  if (client.status !== "ready") {
    throw new RedisNotConnectedError(lastConnectionErrors.get(client));
  }
}

/**
 * Creates an ioredis client that fails fast. With ioredis defaults a command waits through 20
 * reconnection attempts (over a minute) when Redis is down; here a command fails at once while
 * the connection is down and after REDIS_COMMAND_TIMEOUT_MS when Redis does not respond, and the
 * caller falls back to PostgreSQL. Reconnection continues in the background.
 */
export function createRedisClient(url: string): Redis {
  const env = getEnv();
  const client = new Redis(url, {
    connectTimeout: env.REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: env.REDIS_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, env.REDIS_RETRY_INTERVAL_MS),
    // Redis Cluster, proxies and managed services may reject CLIENT SETINFO; it is only cosmetic.
    disableClientInfo: true,
  });

  client.on("error", (error) => {
    lastConnectionErrors.set(client, describeError(error));
    logConnectionError("redis connection error", { error: describeError(error) });
  });
  return client;
}

/** Returns the process-wide client, or null when REDIS_URL is not set. */
export function getRedisClient(): Redis | null {
  const url = getEnv().REDIS_URL;
  if (!url) {
    return null;
  }
  return processSingleton("redis-client", () => createRedisClient(url));
}

/**
 * Waits for the first connection of a fresh client, bounded by the connect timeout. Without it,
 * requests that arrive while the process is still connecting would fail over to PostgreSQL.
 */
export async function waitForFirstConnection(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status !== "connecting" && client.status !== "connect" && client.status !== "wait") {
    return;
  }

  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off("ready", done);
      client.off("error", done);
      client.off("end", done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once("ready", done);
    client.once("error", done);
    client.once("end", done);
  });
}
