import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";

import Redis from "ioredis";

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";

/** Returns a key prefix no other test uses, so tests can share the local Redis. */
export function uniquePrefix(): string {
  return `t${randomBytes(5).toString("hex")}`;
}

/** Connects a client and waits until it is ready, because the stores check readiness before every command. */
export async function connectTestRedis(url = REDIS_URL): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  return redis;
}

/** Deletes every key of a prefix, including the test's stray keys under `<prefix>:`. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  for (const pattern of [`{${prefix}:*`, `${prefix}:*`]) {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  }
}

/** Finds a free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  port: number;
  url: string;
  /** Freezes the process with SIGSTOP, so connections stay open, nothing responds, and the data is kept. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** Starts a throwaway redis-server on a loopback port, with no persistence; `extraArgs` add settings. */
export async function startRedisServer(port?: number, extraArgs: string[] = []): Promise<RedisServer> {
  const chosenPort = port ?? (await freePort());
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(chosenPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", ...extraArgs],
    { stdio: "ignore" },
  );

  const url = `redis://127.0.0.1:${chosenPort}/0`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => {});
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  probe.disconnect();

  return {
    port: chosenPort,
    url,
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGCONT");
        child.kill("SIGKILL");
      }),
  };
}

/** Starts a TCP server that accepts connections and never responds, like a hung Redis. */
export async function startSilentServer(): Promise<{ port: number; url: string; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
