import "server-only";

import { selectActiveDistribution, type Distribution } from "@/lib/db/queries/distribution";
import { processSingleton } from "@/lib/process-singleton";

import type { SessionManager } from "./session-manager";

// Grouping every live session reads them all, so the result is kept for a minute.
const maxAgeMs = 60_000;

/** Active sessions by country and platform, from PostgreSQL, at most a minute old. */
export async function getActiveDistribution(manager: SessionManager): Promise<Distribution & { generated_at: string }> {
  const cache = processSingleton("distribution-cache", () => ({ value: null as (Distribution & { generated_at: string }) | null, at: 0 }));
  if (cache.value && Date.now() - cache.at < maxAgeMs) {
    return cache.value;
  }

  const distribution = await selectActiveDistribution(await manager.database.database());
  cache.value = { ...distribution, generated_at: new Date().toISOString() };
  cache.at = Date.now();
  return cache.value;
}
