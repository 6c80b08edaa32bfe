import { getDatabaseConnection } from "@/lib/db/client";
import { getRedisClient } from "@/lib/redis/client";

/** Closes the process-wide connections so a command-line script can exit. */
export async function closeConnections(): Promise<void> {
  await getRedisClient()?.quit().catch(() => undefined);
  await getDatabaseConnection().close();
}
