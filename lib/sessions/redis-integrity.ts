import { dataNodes, type RedisClient } from "@/lib/redis/client";

import type { RedisKeyLayout } from "./redis-keys";
import { parseSessionRecord } from "./redis-scripts";
import type { StoreAnomalies } from "./types";

// The integrity check walks the session keys with SCAN in bounded batches. The counts come from
// the indexes, not from this walk. It finds what the indexes cannot show: values written by
// something else, TTLs removed by hand, and records deleted without their index entries.
const scanBatchSize = 1000;
// A pause after each batch caps the check at about 100,000 keys a second, so on a large
// keyspace it takes longer rather than crowding out requests on Redis and on this process.
const pauseBetweenBatchesMs = 10;
const pause = () => new Promise((resolve) => setTimeout(resolve, pauseBetweenBatchesMs));

export type AnomalyKind = "unreadable" | "wrong_type" | "no_ttl" | "orphan";

/** An expiry-index entry that the counts must leave out. */
export interface IndexedAnomaly {
  kind: AnomalyKind;
  /** Expiry score in epoch ms. */
  score: number;
}

/** The keys behind each kind of anomaly, gathered only for a repair. */
export interface IntegrityFindings {
  /** Record keys whose value is not a session record, or whose type is not a string. */
  badRecordKeys: Array<{ key: string; shard: number; member: string }>;
  /** Record keys without a TTL, with their expiry-index score when they have one. */
  keysWithoutTtl: Array<{ key: string; score: number | null }>;
  /** Live expiry-index entries whose record is gone. */
  orphanEntries: Array<{ shard: number; member: string }>;
  /** Readable records that no expiry index lists. */
  unindexedRecordKeys: string[];
}

export interface IntegrityReport {
  anomalies: StoreAnomalies;
  /** Keyed by `<shard>:<token hash>`. */
  indexedAnomalies: Map<string, IndexedAnomaly>;
  /** Present when the check was asked to gather the keys. */
  findings?: IntegrityFindings;
}

function emptyAnomalies(status: StoreAnomalies["status"]): StoreAnomalies {
  return {
    status,
    unreadable_values: 0,
    wrong_type_keys: 0,
    keys_without_ttl: 0,
    orphan_index_entries: 0,
    unindexed_records: 0,
    scanned_keys: 0,
    checked_at: null,
    error: null,
  };
}

export function initialIntegrityReport(enabled: boolean): IntegrityReport {
  return { anomalies: emptyAnomalies(enabled ? "pending" : "disabled"), indexedAnomalies: new Map() };
}

async function redisNow(redis: RedisClient): Promise<number> {
  const [seconds, microseconds] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(microseconds) / 1000);
}

/** Classifies one batch of record keys with two auto-pipelined round trips. */
async function inspectRecordKeys(
  redis: RedisClient,
  layout: RedisKeyLayout,
  keys: string[],
  report: IntegrityReport,
): Promise<void> {
  const targets = keys.flatMap((key) => {
    const parsed = layout.parseRecordKey(key);
    return parsed ? [{ key, ...parsed }] : [];
  });

  const facts = await Promise.all(
    targets.map(({ key, shard, member }) =>
      Promise.all([redis.type(key), redis.pttl(key), redis.zscore(layout.shard(shard).expiryIndex, member)]),
    ),
  );

  const stringKeys: Array<{ key: string; shard: number; member: string; indexKey: string; score: number | null }> = [];
  targets.forEach(({ key, shard, member }, index) => {
    const [type, ttl, scoreReply] = facts[index];
    const score = scoreReply === null ? null : Number(scoreReply);
    const indexKey = `${shard}:${member}`;

    report.anomalies.scanned_keys += 1;
    if (type === "none") {
      return;
    }
    if (type !== "string") {
      report.anomalies.wrong_type_keys += 1;
      report.findings?.badRecordKeys.push({ key, shard, member });
      if (score !== null) report.indexedAnomalies.set(indexKey, { kind: "wrong_type", score });
      return;
    }
    if (ttl === -1) {
      report.anomalies.keys_without_ttl += 1;
      report.findings?.keysWithoutTtl.push({ key, score });
      if (score !== null) report.indexedAnomalies.set(indexKey, { kind: "no_ttl", score });
    }
    stringKeys.push({ key, shard, member, indexKey, score });
  });

  const values = await Promise.all(stringKeys.map(({ key }) => redis.get(key)));
  stringKeys.forEach(({ key, shard, member, indexKey, score }, index) => {
    const value = values[index];
    if (typeof value !== "string") {
      return;
    }
    if (!parseSessionRecord(value)) {
      report.anomalies.unreadable_values += 1;
      report.findings?.badRecordKeys.push({ key, shard, member });
      // A value that is not a record replaces the no-TTL finding: the counts leave it out either way.
      if (score !== null) report.indexedAnomalies.set(indexKey, { kind: "unreadable", score });
    } else if (score === null) {
      report.anomalies.unindexed_records += 1;
      report.findings?.unindexedRecordKeys.push(key);
    }
  });
}

/** Finds live index entries whose record key no longer exists. */
async function findOrphanEntries(redis: RedisClient, layout: RedisKeyLayout, now: number, report: IntegrityReport) {
  for (const shard of layout.shards) {
    const keys = layout.shard(shard);
    let cursor = "0";
    do {
      const [nextCursor, flat] = await redis.zscan(keys.expiryIndex, cursor, "COUNT", scanBatchSize);
      cursor = nextCursor;

      const live: Array<{ member: string; score: number }> = [];
      for (let index = 0; index < flat.length; index += 2) {
        const score = Number(flat[index + 1]);
        if (score > now) live.push({ member: flat[index], score });
      }

      const existing = await Promise.all(live.map(({ member }) => redis.exists(`${keys.recordPrefix}${member}`)));
      const missing = live.filter((_, index) => existing[index] === 0);
      // A session signed out between ZSCAN and EXISTS loses its record and its entry together, so
      // only an entry still indexed after its record was found missing is an orphan.
      const stillIndexed = await Promise.all(missing.map(({ member }) => redis.zscore(keys.expiryIndex, member)));
      if (live.length > 0) await pause();
      missing.forEach(({ member, score }, index) => {
        if (stillIndexed[index] !== null) {
          report.anomalies.orphan_index_entries += 1;
          report.findings?.orphanEntries.push({ shard, member });
          report.indexedAnomalies.set(`${shard}:${member}`, { kind: "orphan", score });
        }
      });
    } while (cursor !== "0");
  }
}

/**
 * Walks every session key and every expiry index once, on every server that stores data. Takes
 * about one round trip per thousand keys; meant to run in the background, not per request.
 * With `gatherFindings`, it also lists the keys behind each anomaly, for a repair.
 */
export async function checkRedisIntegrity(
  redis: RedisClient,
  layout: RedisKeyLayout,
  options: { gatherFindings?: boolean } = {},
): Promise<IntegrityReport> {
  const report: IntegrityReport = { anomalies: emptyAnomalies("ok"), indexedAnomalies: new Map() };
  if (options.gatherFindings) {
    report.findings = { badRecordKeys: [], keysWithoutTtl: [], orphanEntries: [], unindexedRecordKeys: [] };
  }
  const now = await redisNow(redis);

  // SCAN walks one server's keyspace, so a cluster is walked master by master.
  for (const node of dataNodes(redis)) {
    let cursor = "0";
    do {
      const [nextCursor, keys] = await node.scan(cursor, "MATCH", layout.recordPattern(), "COUNT", scanBatchSize);
      cursor = nextCursor;
      if (keys.length > 0) {
        await inspectRecordKeys(redis, layout, keys, report);
        await pause();
      }
    } while (cursor !== "0");
  }

  await findOrphanEntries(redis, layout, now, report);

  const { anomalies } = report;
  const found =
    anomalies.unreadable_values +
    anomalies.wrong_type_keys +
    anomalies.keys_without_ttl +
    anomalies.orphan_index_entries +
    anomalies.unindexed_records;
  anomalies.status = found > 0 ? "found" : "ok";
  anomalies.checked_at = new Date(now).toISOString();
  return report;
}
