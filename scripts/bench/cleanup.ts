import { randomUUID } from "node:crypto";

import type { RedisSessionStore } from "@/lib/sessions/redis-store";
import { generateSessionToken, hashSessionToken } from "@/lib/sessions/token";

import type { Measured } from "./operations";

const expiringSessions = 20_000;

/**
 * Times the cleanup of expired index entries, one script call at a time: each call examines at
 * most 500 entries, so none should hold Redis for more than a few milliseconds.
 */
export async function measureCleanup(store: RedisSessionStore, userIds: string[], reps: number): Promise<Measured> {
  for (let start = 0; start < expiringSessions; start += 2000) {
    await Promise.all(
      Array.from({ length: Math.min(2000, expiringSessions - start) }, (_, offset) =>
        store.create({
          id: randomUUID(),
          tokenHash: hashSessionToken(generateSessionToken()),
          userId: userIds[(start + offset) % userIds.length],
          role: "user",
          ip: null,
          userAgent: null,
          maxAgeSeconds: 1,
          idleTimeoutSeconds: 1,
        }),
      ),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));

  // Only calls that found work count: an empty shard returns at once and flatters the figure.
  const durations: number[] = [];
  await store.removeExpiredEntries((milliseconds, examined) => {
    if (examined > 0) durations.push(milliseconds);
  });
  durations.sort((a, b) => a - b);
  const at = (fraction: number) => Math.round(durations[Math.min(durations.length - 1, Math.ceil(fraction * durations.length) - 1)] * 1000) / 1000;
  console.log(`  cleanup: ${durations.length} script calls with work, slowest ${at(1)} ms`);
  return { "cleanup-batch": { median_ms: at(0.5), p95_ms: at(0.95), reps: Math.max(durations.length, reps) } };
}
