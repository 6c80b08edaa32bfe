import type { RedisClient } from "./client";

/**
 * The Redis server's clock as seen from this process: the local clock plus an offset measured
 * with TIME, so that a count can compare against Redis time without a script around it. The
 * offset is accurate to half a round trip (well under a millisecond on a LAN) and is measured
 * again every `maxAgeMs`, in the background once a first measurement exists.
 */
export class RedisClock {
  private offsetMs: number | null = null;
  private measuredAt = 0;
  private measuring: Promise<void> | null = null;

  constructor(
    private readonly client: RedisClient,
    private readonly maxAgeMs = 60_000,
  ) {}

  async now(): Promise<number> {
    if (this.offsetMs === null) {
      await this.measure();
    } else if (Date.now() - this.measuredAt > this.maxAgeMs) {
      void this.measure().catch(() => undefined);
    }
    return Date.now() + (this.offsetMs ?? 0);
  }

  private measure(): Promise<void> {
    this.measuring ??= (async () => {
      const before = Date.now();
      const [seconds, microseconds] = await this.client.time();
      const after = Date.now();
      const redisMs = Number(seconds) * 1000 + Number(microseconds) / 1000;
      this.offsetMs = redisMs - (before + after) / 2;
      this.measuredAt = after;
    })().finally(() => {
      this.measuring = null;
    });
    return this.measuring;
  }
}
