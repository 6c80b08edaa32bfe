import "server-only";

import { runAlertEvaluation } from "@/lib/alerts/run-alerts";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { processSingleton } from "@/lib/process-singleton";
import { describeError } from "@/lib/util/describe-error";

import { runHistoryRecording } from "./run-history";

// A few seconds past the minute, so that the minute just completed is complete in the database.
const offsetIntoMinuteMs = 5_000;

/**
 * Starts the once-a-minute history recording and alert evaluation in this process, for
 * `next start`. Vercel-style hosting has no long-lived process and calls the cron route instead.
 * Both may run at once, and so may several instances: recordHistory takes a database lock and records each minute once, and
 * evaluateAlerts claims each minute once.
 */
export function startHistoryTimer(): void {
  const env = getEnv();
  if (env.HISTORY_TIMER === "off" || process.env.VERCEL) {
    return;
  }

  processSingleton("history-timer", () => {
    // The alerts run after the history, because the sign-in burst rule reads the minute just recorded.
    const tick = () => {
      runHistoryRecording()
        .catch((error: unknown) => logger.warn("history recording failed", { error: describeError(error) }))
        .then(() => runAlertEvaluation())
        .catch((error: unknown) => logger.warn("alert evaluation failed", { error: describeError(error) }));
    };
    const untilNextMinute = 60_000 - (Date.now() % 60_000) + offsetIntoMinuteMs;
    const first = setTimeout(() => {
      tick();
      setInterval(tick, 60_000).unref();
    }, untilNextMinute);
    first.unref();
    return first;
  });
}
