import "server-only";

import { processSingleton } from "@/lib/process-singleton";

import { dataNodes, type RedisClient } from "./client";

export interface RedisWarning {
  code: "eviction_policy" | "evicted_keys" | "keys_without_ttl" | "memory_nearly_full";
  message: string;
}

export interface RedisMemoryReport {
  /** Servers that hold data: 1, or the masters of a cluster. Figures are summed over them. */
  nodes: number;
  used_memory_bytes: number;
  used_memory_peak_bytes: number;
  /** 0 means no limit. */
  maxmemory_bytes: number;
  /** used / maxmemory, 0 to 1; null without a limit. */
  used_share: number | null;
  fragmentation_ratio: number;
  eviction_policy: string;
  evicted_keys: number;
  connected_clients: number;
  keys: number;
  /** Keys with a TTL, which a volatile-* policy may evict. */
  volatile_keys: number;
  session_entries: number;
  /** Used memory divided by the session index entries; includes whatever else the server stores. */
  bytes_per_session: number | null;
  warnings: RedisWarning[];
}

function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const separator = line.indexOf(":");
    if (separator > 0 && !line.startsWith("#")) fields.set(line.slice(0, separator), line.slice(separator + 1));
  }
  return fields;
}

function keyspaceCounts(info: Map<string, string>): { keys: number; expires: number } {
  let keys = 0;
  let expires = 0;
  for (const [field, value] of info) {
    if (!/^db\d+$/.test(field)) continue;
    keys += Number(/keys=(\d+)/.exec(value)?.[1] ?? 0);
    expires += Number(/expires=(\d+)/.exec(value)?.[1] ?? 0);
  }
  return { keys, expires };
}

// The evicted-key count of the previous report in this process, to tell growth from history.
const lastReading = () => processSingleton("redis-evicted-keys", () => ({ evicted: null as number | null }));

/**
 * Reads memory, eviction and client figures from every server that stores data, and warns about
 * what can log users out: a policy that may evict session keys, keys evicted since the last look,
 * session keys without a TTL, and memory close to the limit.
 * `ownVolatileKeys` estimates this console's keys with a TTL (session records and user indexes).
 */
export async function readRedisMemory(
  client: RedisClient,
  figures: { sessionEntries: number; ownVolatileKeys: number; keysWithoutTtl: number },
): Promise<RedisMemoryReport> {
  const infos = await Promise.all(dataNodes(client).map(async (node) => parseInfo(await node.info())));
  const sum = (field: string) => infos.reduce((total, info) => total + Number(info.get(field) ?? 0), 0);
  const keyspace = infos.map(keyspaceCounts).reduce((total, counts) => ({ keys: total.keys + counts.keys, expires: total.expires + counts.expires }), { keys: 0, expires: 0 });

  const used = sum("used_memory");
  const maxmemory = sum("maxmemory");
  const policy = infos[0]?.get("maxmemory_policy") ?? "unknown";
  const evicted = sum("evicted_keys");
  const warnings: RedisWarning[] = [];

  if (policy.startsWith("allkeys-")) {
    warnings.push({
      code: "eviction_policy",
      message: `maxmemory-policy is ${policy}: when memory runs out Redis evicts any key, session keys included, and those users are signed out. Use noeviction, or volatile-* with other keys to evict first.`,
    });
  } else if (policy.startsWith("volatile-") && keyspace.expires <= figures.ownVolatileKeys) {
    warnings.push({
      code: "eviction_policy",
      message: `maxmemory-policy is ${policy} and session keys are about the only keys with a TTL, so they would be evicted first when memory runs out.`,
    });
  }

  const previous = lastReading();
  const newlyEvicted = previous.evicted === null ? evicted : evicted - previous.evicted;
  if (evicted > 0) {
    warnings.push({
      code: "evicted_keys",
      message: `Redis has evicted ${evicted} keys since it started (${Math.max(newlyEvicted, 0)} since the last check) under maxmemory-policy ${policy}; evicted session keys sign users out.`,
    });
  }
  previous.evicted = evicted;

  if (figures.keysWithoutTtl > 0) {
    warnings.push({
      code: "keys_without_ttl",
      message: `${figures.keysWithoutTtl} session keys have no TTL; Redis would keep them forever.`,
    });
  }
  if (maxmemory > 0 && used / maxmemory > 0.9) {
    warnings.push({
      code: "memory_nearly_full",
      message: `Redis uses ${Math.round((used / maxmemory) * 100)}% of maxmemory.`,
    });
  }

  return {
    nodes: infos.length,
    used_memory_bytes: used,
    used_memory_peak_bytes: sum("used_memory_peak"),
    maxmemory_bytes: maxmemory,
    used_share: maxmemory > 0 ? Math.round((used / maxmemory) * 1000) / 1000 : null,
    fragmentation_ratio: Math.max(...infos.map((info) => Number(info.get("mem_fragmentation_ratio") ?? 0))),
    eviction_policy: policy,
    evicted_keys: evicted,
    connected_clients: sum("connected_clients"),
    keys: keyspace.keys,
    volatile_keys: keyspace.expires,
    session_entries: figures.sessionEntries,
    // Below a thousand sessions the server's own memory and other keys dominate, so the figure
    // would mislead. From there on it approaches the measured cost of a session.
    bytes_per_session:
      figures.sessionEntries >= 1000 ? Math.round((used - sum("used_memory_startup")) / figures.sessionEntries) : null,
    warnings,
  };
}
