import { logger } from "@/lib/logger";
import { describeError } from "@/lib/util/describe-error";

export interface AvailabilitySnapshot {
  state: "up" | "down";
  /** When Redis was last found unusable; null while up. */
  downSince: Date | null;
  lastError: string | null;
}

export interface AvailabilityOptions {
  /** Resolves when Redis responds and rejects otherwise, within the caller's timeouts. */
  probe: () => Promise<void>;
  /**
   * Brings Redis up to date with changes written to PostgreSQL while it was down. Runs before
   * Redis is used again; `{ complete: false }` means PostgreSQL could not be read and the replay
   * must be retried later.
   */
  replay: () => Promise<{ complete: boolean }>;
  /**
   * Checks, while Redis is up, that it still has what was written to it; a rejection puts it down
   * so that the next use rebuilds it. Runs in the background every `verifyIntervalMs`.
   */
  verify?: () => Promise<void>;
  verifyIntervalMs?: number;
  retryIntervalMs: number;
  now?: () => number;
}

/**
 * Tracks whether Redis can be used (a circuit breaker). After one failure every caller skips
 * Redis and uses PostgreSQL at once, instead of each waiting for its own timeout; every
 * `retryIntervalMs` one caller probes Redis and, when it answers, replays the changes made during
 * the outage before Redis is used again.
 *
 * It starts "down" so that the first use replays changes an earlier process left unsynced; callers
 * wait for that first check.
 */
export class RedisAvailability {
  private state: "up" | "down" = "down";
  private downSince: number | null = null;
  private lastError: string | null = null;
  private nextProbeAt = 0;
  private recovery: Promise<boolean> | null = null;
  private replayPending = false;
  private everUp = false;
  private nextVerifyAt = 0;
  private verifying = false;
  private readonly now: () => number;

  constructor(private readonly options: AvailabilityOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * True when Redis should be tried now. When a probe is due, the first caller waits for the
   * probe and the replay; callers that arrive meanwhile get false and use PostgreSQL.
   */
  async isUsable(): Promise<boolean> {
    if (this.state === "up") {
      if (this.replayPending && this.now() >= this.nextProbeAt) {
        void this.retryReplay();
      }
      this.verifyInBackground();
      return true;
    }

    if (this.recovery) {
      // The first check after start-up is waited for by everyone: Redis is usually fine, and
      // sending the first requests to PostgreSQL would only create work for the replay.
      return this.everUp ? false : this.recovery;
    }
    if (this.now() < this.nextProbeAt) {
      return false;
    }
    return this.recover();
  }

  /** Records a failed Redis call; callers skip Redis until the next probe succeeds. */
  reportFailure(error: unknown): void {
    const description = describeError(error);
    this.lastError = description;
    this.nextProbeAt = this.now() + this.options.retryIntervalMs;
    if (this.state === "down") {
      return;
    }

    this.state = "down";
    this.downSince = this.now();
    logger.warn("redis unavailable; using PostgreSQL until it answers again", { error: description });
  }

  /** Marks Redis down after its connection closed while it was up; while down, this changes nothing. */
  reportConnectionLost(): void {
    if (this.state === "up") {
      this.reportFailure(new Error("connection to redis closed"));
    }
  }

  snapshot(): AvailabilitySnapshot {
    return {
      state: this.state,
      downSince: this.downSince === null ? null : new Date(this.downSince),
      lastError: this.state === "up" ? null : this.lastError,
    };
  }

  private recover(): Promise<boolean> {
    this.recovery ??= this.probeAndReplay().finally(() => {
      this.recovery = null;
    });
    return this.recovery;
  }

  private async probeAndReplay(): Promise<boolean> {
    try {
      await this.options.probe();
      const { complete } = await this.options.replay();
      this.replayPending = !complete;
    } catch (error) {
      this.lastError = describeError(error);
      this.nextProbeAt = this.now() + this.options.retryIntervalMs;
      this.downSince ??= this.now();
      return false;
    }

    const wasDownSince = this.downSince;
    this.nextVerifyAt = this.now() + (this.options.verifyIntervalMs ?? 30_000);
    this.state = "up";
    this.everUp = true;
    this.downSince = null;
    this.lastError = null;
    if (wasDownSince !== null) {
      logger.info("redis available again", { down_ms: this.now() - wasDownSince });
    }
    if (this.replayPending) {
      this.nextProbeAt = this.now() + this.options.retryIntervalMs;
      logger.warn("redis is back but PostgreSQL could not be read; replaying outage changes later");
    }
    return true;
  }

  private verifyInBackground(): void {
    const verify = this.options.verify;
    if (!verify || this.verifying || this.now() < this.nextVerifyAt) return;

    this.verifying = true;
    this.nextVerifyAt = this.now() + (this.options.verifyIntervalMs ?? 30_000);
    verify()
      .catch((error: unknown) => this.reportFailure(error))
      .finally(() => {
        this.verifying = false;
      });
  }

  private async retryReplay(): Promise<void> {
    this.nextProbeAt = this.now() + this.options.retryIntervalMs;
    try {
      const { complete } = await this.options.replay();
      this.replayPending = !complete;
    } catch (error) {
      logger.warn("replaying outage changes into redis failed", { error: describeError(error) });
    }
  }
}
