import "server-only";

import Redis, { Cluster, type ClusterNode, type RedisOptions } from "ioredis";

import { getEnv } from "@/lib/env";
import { throttledLog } from "@/lib/logger";
import { processSingleton } from "@/lib/process-singleton";
import { describeError } from "@/lib/util/describe-error";

/** A single Redis server or a Redis Cluster; the session store works with either. */
export type RedisClient = Redis | Cluster;

const logConnectionError = throttledLog("warn", 30_000);
const lastConnectionErrors = new WeakMap<RedisClient, string>();

/** Raised instead of sending a command while the connection is down. */
export class RedisNotConnectedError extends Error {
  constructor(detail: string | undefined) {
    super(detail ? `not connected (${detail})` : "not connected");
    this.name = "RedisNotConnectedError";
  }
}

/** Throws RedisNotConnectedError, naming the last connection error, unless the client is ready. */
export function assertRedisConnected(client: RedisClient): void {
  if (client.status !== "ready") {
    throw new RedisNotConnectedError(lastConnectionErrors.get(client));
  }
}

function watchErrors(client: RedisClient): void {
  client.on("error", (error) => {
    lastConnectionErrors.set(client, describeError(error));
    logConnectionError("redis connection error", { error: describeError(error) });
  });
}

/**
 * Options that make every command fail fast. With ioredis defaults a command waits through 20
 * reconnection attempts (over a minute) when Redis is down; here a command fails at once while
 * the connection is down and after REDIS_COMMAND_TIMEOUT_MS when Redis does not respond, and the
 * caller falls back to PostgreSQL. Reconnection continues in the background. Auto-pipelining
 * sends the commands issued in one tick together, one round trip per server.
 */
function failFastOptions(): RedisOptions {
  const env = getEnv();
  return {
    connectTimeout: env.REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: env.REDIS_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, env.REDIS_RETRY_INTERVAL_MS),
    // Redis Cluster, proxies and managed services may reject CLIENT SETINFO; it is only cosmetic.
    disableClientInfo: true,
  };
}

export function createRedisClient(url: string): Redis {
  const client = new Redis(url, failFastOptions());
  watchErrors(client);
  return client;
}

/**
 * Parses REDIS_CLUSTER_NODES: comma-separated `host:port` or `redis://[user:password@]host:port`
 * entries (`rediss://` for TLS). Credentials and TLS are taken from the first entry that has them.
 */
export function parseClusterNodes(value: string): { nodes: ClusterNode[]; options: RedisOptions } {
  const options: RedisOptions = {};
  const nodes = value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const url = new URL(entry.includes("://") ? entry : `redis://${entry}`);
      if (url.password && options.password === undefined) {
        options.password = decodeURIComponent(url.password);
        if (url.username) options.username = decodeURIComponent(url.username);
      }
      if (url.protocol === "rediss:") options.tls = {};
      return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 6379) };
    });
  return { nodes, options };
}

export function createRedisCluster(nodesValue: string): Cluster {
  const env = getEnv();
  const { nodes, options } = parseClusterNodes(nodesValue);
  const { enableAutoPipelining, ...nodeOptions } = failFastOptions();

  const cluster = new Cluster(nodes, {
    enableOfflineQueue: false,
    enableAutoPipelining,
    slotsRefreshTimeout: env.REDIS_CONNECT_TIMEOUT_MS,
    clusterRetryStrategy: (attempt) => Math.min(100 * 2 ** attempt, env.REDIS_RETRY_INTERVAL_MS),
    redisOptions: { ...nodeOptions, ...options },
  });
  watchErrors(cluster);
  return cluster;
}

/** Returns the process-wide client: a cluster for REDIS_CLUSTER_NODES, else REDIS_URL's server, else null. */
export function getRedisClient(): RedisClient | null {
  const env = getEnv();
  if (env.REDIS_CLUSTER_NODES) {
    const nodes = env.REDIS_CLUSTER_NODES;
    return processSingleton("redis-client", () => createRedisCluster(nodes));
  }
  if (env.REDIS_URL) {
    const url = env.REDIS_URL;
    return processSingleton("redis-client", () => createRedisClient(url));
  }
  return null;
}

/** Returns every server that stores data: the masters of a cluster, or the one server. */
export function dataNodes(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes("master") : [client];
}

/**
 * Waits for the first connection of a fresh client, bounded by the connect timeout. Without it,
 * requests that arrive while the process is still connecting would fail over to PostgreSQL.
 */
export async function waitForFirstConnection(client: RedisClient, timeoutMs: number): Promise<void> {
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
