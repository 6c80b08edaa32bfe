import { randomUUID } from "node:crypto";

import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RedisSessionStore } from "@/lib/sessions/redis-store";
import { generateSessionToken, hashSessionToken } from "@/lib/sessions/token";

import { startRedisServer, type RedisServer } from "../support/redis";

/** Records the name of every command the client sends to the server from now on. */
function recordSentCommands(redis: Redis): string[] {
  const sent: string[] = [];
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: Parameters<Redis["sendCommand"]>[0], ...rest: unknown[]) => {
    sent.push(command.name);
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as Redis["sendCommand"];
  return sent;
}

describe("session validation in Redis", () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    // A server of its own, so that no other test's commands are counted.
    server = await startRedisServer();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    await redis.ping();
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("costs one command per validation", async () => {
    const store = new RedisSessionStore(redis, { keyPrefix: "round-trip", integrityIntervalMs: 0, cleanupIntervalMs: 3_600_000 });
    const session = {
      id: randomUUID(),
      tokenHash: hashSessionToken(generateSessionToken()),
      userId: randomUUID(),
      role: "user" as const,
      ip: null,
      userAgent: null,
      maxAgeSeconds: 3600,
      idleTimeoutSeconds: 600,
    };
    await store.create(session);
    // The first call loads the script and reads the server clock; later calls reuse both.
    expect(await store.validate(session, 60)).not.toBeNull();
    const sent = recordSentCommands(redis);

    const validations = 20;
    for (let index = 0; index < validations; index += 1) {
      expect(await store.validate(session, 60)).not.toBeNull();
    }

    // Each validation is one script call: one round trip, whatever the script does inside.
    expect(sent).toEqual(Array.from({ length: validations }, () => "evalsha"));
  });
});
