import "server-only";

import { incrementFailedSignIns } from "@/lib/db/queries/alerts";
import { throttledLog } from "@/lib/logger";
import { getDatabase } from "@/lib/startup";

// Every failed sign-in would log the same error while PostgreSQL is down.
const logCountFailure = throttledLog("warn", 60_000);

/** Counts a failed sign-in for the failed sign-in alert. A failure to count never fails the sign-in. */
export async function countFailedSignIn(): Promise<void> {
  try {
    await incrementFailedSignIns(await getDatabase());
  } catch (error) {
    logCountFailure("failed sign-in not counted for alerts", { error });
  }
}
