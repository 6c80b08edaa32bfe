import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import Redis from "ioredis";

import { freePort } from "./redis";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RedisCluster {
  /** REDIS_CLUSTER_NODES value: host:port of every master. */
  nodes: string;
  ports: number[];
  /** Kills one master (SIGKILL), as a crash would. */
  killNode(index: number): Promise<void>;
  stop(): Promise<void>;
}

async function waitForPing(port: number): Promise<void> {
  const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch {
      await sleep(100);
    }
  }
  client.disconnect();
  throw new Error(`redis-server on port ${port} did not start`);
}

/**
 * Starts a Redis Cluster of `masters` redis-server processes on loopback ports, without replicas
 * or persistence, and waits until every slot is served. A node that stops is noticed within a
 * second (cluster-node-timeout 1000).
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const directory = mkdtempSync(path.join(tmpdir(), "sc-cluster-"));
  const ports: number[] = [];
  const children: ChildProcess[] = [];

  for (let index = 0; index < masters; index += 1) {
    const port = await freePort();
    ports.push(port);
    children.push(
      spawn(
        "redis-server",
        [
          "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
          "--cluster-enabled", "yes", "--cluster-config-file", path.join(directory, `nodes-${port}.conf`),
          "--cluster-node-timeout", "1000", "--dir", directory, "--daemonize", "no",
        ],
        { stdio: "ignore" },
      ),
    );
  }
  await Promise.all(ports.map(waitForPing));

  await run("redis-cli", ["--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "0", "--cluster-yes"], {
    timeout: 30_000,
  });
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { stdout } = await run("redis-cli", ["-p", String(ports[0]), "cluster", "info"], { timeout: 5000 });
    if (stdout.includes("cluster_state:ok")) break;
    await sleep(200);
  }

  const kill = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });

  return {
    nodes: ports.map((port) => `127.0.0.1:${port}`).join(","),
    ports,
    killNode: (index) => kill(children[index]),
    async stop() {
      await Promise.all(children.map(kill));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
